using System.Collections.Immutable;
using Reconciler.Core.Compose;
using Reconciler.Core.Desired;

namespace Reconciler.Core.Building;

/// <summary>The builds of a project's services, by service name, or the errors that keep them from being built.</summary>
public sealed record BuildSpecs(ImmutableSortedDictionary<string, BuildSpec> Services, ImmutableArray<Diagnostic> Errors)
{
    /// <summary>The desired project with each service's <see cref="DesiredService.Build"/> set.</summary>
    public DesiredProject ApplyTo(DesiredProject desired) => desired with
    {
        Services = desired.Services.ToImmutableSortedDictionary(
            kv => kv.Key, kv => Services.TryGetValue(kv.Key, out var b) ? kv.Value with { Build = b } : kv.Value, StringComparer.Ordinal),
    };
}
