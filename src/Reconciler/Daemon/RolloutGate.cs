using Reconciler.Core.Planning;
using Reconciler.Docker;

namespace Reconciler.Daemon;

/// <summary>
/// Health gate after a deploy: every container the plan created, recreated or started must be
/// running — and healthy where it has a healthcheck — and stay so for a settle period, within
/// the stack's health_timeout. A container that exits, restarts or turns unhealthy fails the
/// rollout, with the service, exit code or last health output in the reason.
/// </summary>
/// <param name="settlePeriod">How long a container without a healthcheck must keep running to count as up (default 3 s).</param>
public sealed class RolloutGate(IDockerContainerOperations containers, TimeProvider time, TimeSpan? settlePeriod = null)
{
    public static readonly TimeSpan DefaultSettlePeriod = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(300);
    private readonly TimeSpan _settle = settlePeriod ?? DefaultSettlePeriod;

    public sealed record Failure(string Service, string Container, string Reason)
    {
        /// <summary>The container was removed (by hand, say) while the gate watched: that says nothing about the commit.</summary>
        public bool Disappeared { get; init; }
    }

    public static IReadOnlyList<(string Service, string Container)> Touched(IEnumerable<PlanAction> actions) =>
    [
        .. actions.OfType<ContainerAction>()
            .Where(a => a is CreateContainer or RecreateContainer or StartContainer or RestartContainer)
            .Select(a => (a.Service ?? "", a.ContainerName))
            .Distinct(),
    ];

    public async Task<Failure?> WaitAsync(IReadOnlyList<(string Service, string Container)> touched, TimeSpan timeout, CancellationToken ct)
    {
        if (touched.Count == 0) return null;
        var deadline = time.GetUtcNow() + timeout;
        var firstSeen = new Dictionary<string, (DateTimeOffset Since, long Restarts)>(StringComparer.Ordinal);
        var pending = touched.ToList();
        string lastState = "";
        while (pending.Count > 0)
        {
            foreach (var (service, name) in pending.ToList())
            {
                var s = await containers.InspectAsync(name, ct).ConfigureAwait(false);
                if (s is null) return new Failure(service, name, "container disappeared during rollout") { Disappeared = true };
                if (s.OomKilled) return new Failure(service, name, $"killed: out of memory (exit code {s.ExitCode})");
                if (!s.Running && !s.Restarting)
                {
                    // A one-shot job that ends with 0 is a success, not a crash.
                    if (s.ExitCode == 0 && s.HealthStatus is null) { pending.Remove((service, name)); continue; }
                    return new Failure(service, name, $"exited with code {s.ExitCode}{(s.Error is { Length: > 0 } e ? ": " + e : "")}");
                }
                if (s.Restarting) return new Failure(service, name, $"restarting (exit code {s.ExitCode}, {s.RestartCount} restarts)");
                if (s.HealthStatus == "unhealthy")
                    return new Failure(service, name, $"unhealthy: {s.LastHealthOutput?.Trim() ?? "no health output"}");
                if (!firstSeen.TryGetValue(name, out var seen)) firstSeen[name] = seen = (time.GetUtcNow(), s.RestartCount);
                else if (s.RestartCount > seen.Restarts) return new Failure(service, name, $"restarted (exit code {s.ExitCode})");
                var settled = s.HealthStatus switch
                {
                    "healthy" => true,
                    null => time.GetUtcNow() - seen.Since >= _settle,
                    _ => false,
                };
                lastState = $"{name}: {s.HealthStatus ?? s.Status}";
                if (settled) pending.Remove((service, name));
            }
            if (pending.Count == 0) break;
            if (time.GetUtcNow() > deadline)
            {
                var (service, name) = pending[0];
                return new Failure(service, name, $"not healthy within {timeout.TotalSeconds:0}s ({lastState})");
            }
            await Task.Delay(Poll, time, ct).ConfigureAwait(false);
        }
        return null;
    }
}
