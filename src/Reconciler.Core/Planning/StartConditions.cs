using System.Collections.Immutable;
using Reconciler.Core.Desired;

namespace Reconciler.Core.Planning;

/// <summary>
/// What a service's containers need from other services when they are created and started, planned
/// here so the executor reads it off the action instead of working it out from the project:
/// the depends_on conditions to wait for, and the containers their <c>service:x</c> modes share.
/// </summary>
internal static class StartConditions
{
    private const string ServicePrefix = "service:";

    /// <summary>
    /// One wait per dependency with <c>service_healthy</c> or <c>service_completed_successfully</c>, by
    /// service name, on that service's first replica. <c>service_started</c> needs none: the plan
    /// orders the dependency's actions first. A dependency outside the project (not required, or in
    /// an inactive profile) has no container to wait for.
    /// </summary>
    public static ImmutableArray<DependencyWait> WaitsOf(DesiredProject desired, DesiredService service)
    {
        var waits = ImmutableArray.CreateBuilder<DependencyWait>();
        foreach (var (name, dependency) in service.DependsOn)
        {
            if (name == service.Name || !desired.Services.TryGetValue(name, out var depended))
            {
                continue;
            }
            WaitCondition? condition = dependency.Condition switch
            {
                "service_healthy" => WaitCondition.Healthy,
                "service_completed_successfully" => WaitCondition.CompletedSuccessfully,
                _ => null,
            };
            if (condition is { } c)
            {
                waits.Add(new DependencyWait(name, depended.Template.Name, c));
            }
        }
        return waits.ToImmutable();
    }

    /// <summary>
    /// For each <c>service:x</c> in the template's network, ipc and pid modes: x's first replica, or,
    /// when x is no service of the project, a container named x (the engine then says whether one exists).
    /// </summary>
    public static ImmutableSortedDictionary<string, string> SharedContainersOf(DesiredProject desired, DesiredService service)
    {
        var host = service.Template.Host;
        var shared = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var mode in new[] { host.NetworkMode, host.IpcMode, host.PidMode })
        {
            if (mode is not null && mode.StartsWith(ServicePrefix, StringComparison.Ordinal))
            {
                var name = mode[ServicePrefix.Length..];
                shared[name] = desired.Services.TryGetValue(name, out var s) ? s.Template.Name : name;
            }
        }
        return shared.ToImmutable();
    }
}
