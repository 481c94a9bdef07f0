using System.Collections.Immutable;
using Reconciler.Core.Building;
using Reconciler.Core.Compose;
using Reconciler.Core.Desired;
using Reconciler.Docker.Building;

namespace Reconciler.Loading;

/// <summary>
/// The builds of a loaded project, for <c>plan</c>, <c>apply</c>, the daemon and <c>validate</c> alike:
/// each <c>build:</c> section read and checked (<see cref="BuildSpecReader"/>: what the engine's
/// builder cannot do is an error at its key; paths through the load's file source, so the daemon's
/// confinement holds), then each context read from disk for the digest of its inputs
/// (<see cref="BuildContext"/>). In the daemon that is the commit's rendered tree, once per commit.
/// </summary>
internal static class ServiceBuilds
{
    /// <returns>The desired state with every service's <see cref="DesiredService.Build"/> set, or the errors.</returns>
    public static (DesiredProject? Desired, ImmutableArray<Diagnostic> Errors) Resolve(ComposeProject project, DesiredProject desired, IFileSource files)
    {
        var specs = BuildSpecReader.Read(project, files);
        if (!specs.Errors.IsEmpty) return (null, specs.Errors);
        if (specs.Services.IsEmpty) return (desired, []);
        var digested = ImmutableSortedDictionary.CreateBuilder<string, BuildSpec>(StringComparer.Ordinal);
        var errors = new List<Diagnostic>();
        foreach (var (service, spec) in specs.Services)
        {
            try
            {
                digested[service] = spec with { Digest = BuildContext.Read(spec).Digest };
            }
            catch (BuildContextException e)
            {
                errors.Add(Diagnostic.Error(e.Message, keyPath: $"services.{service}.build"));
            }
        }
        return errors.Count > 0 ? (null, [.. errors]) : ((specs with { Services = digested.ToImmutable() }).ApplyTo(desired), []);
    }
}
