using System.Text.Json.Nodes;
using Reconciler.Core.Swarm;

namespace Reconciler.Docker.Swarm;

/// <summary>
/// Reads the rollout state of services (the service's UpdateStatus and its tasks) until each one
/// converges, one fails, or the time is up; <see cref="SwarmRolloutJudge"/> decides.
/// </summary>
internal sealed class SwarmRolloutWatch(SwarmApi api, TimeProvider time)
{
    /// <returns>Null when every service converged; else what failed (or what was still waiting at the timeout).</returns>
    public async Task<string?> WaitAsync(IReadOnlyCollection<string> services, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + timeout;
        var last = "";
        while (true)
        {
            var waiting = new List<string>();
            foreach (var service in services)
            {
                var (verdict, reason) = SwarmRolloutJudge.Judge(await ReadAsync(service, ct).ConfigureAwait(false));
                if (verdict == SwarmRolloutVerdict.Failed) return $"{service}: {reason}";
                if (verdict == SwarmRolloutVerdict.Waiting) waiting.Add($"{service}: {reason}");
            }
            if (waiting.Count == 0) return null;
            last = string.Join("; ", waiting);
            if (time.GetUtcNow() >= deadline) return $"not converged within {timeout.TotalSeconds:F0} s ({last})";
            await Task.Delay(TimeSpan.FromSeconds(1), time, ct).ConfigureAwait(false);
        }
    }

    public async Task<SwarmServiceRollout> ReadAsync(string service, CancellationToken ct)
    {
        var s = await api.GetAsync($"services/{Uri.EscapeDataString(service)}", "inspect", $"service {service}", ct).ConfigureAwait(false);
        var replicas = s?["Spec"]?["Mode"]?["Replicated"] is JsonObject rep ? rep["Replicas"]?.GetValue<ulong>() ?? 1 : (ulong?)null;
        var filter = "filters=" + Uri.EscapeDataString($"{{\"service\":[\"{service}\"],\"desired-state\":[\"running\"]}}");
        var tasks = (await api.GetAsync($"tasks?{filter}", "list", $"tasks of {service}", ct).ConfigureAwait(false))?.AsArray() ?? [];
        var running = tasks.Count(t => t?["Status"]?["State"]?.GetValue<string>() == "running");
        return new SwarmServiceRollout(service, s?["UpdateStatus"]?["State"]?.GetValue<string>(), s?["UpdateStatus"]?["Message"]?.GetValue<string>(),
            replicas, running, tasks.Count);
    }
}
