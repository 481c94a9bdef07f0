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
        // Only tasks of the current spec count: right after an update the engine still shows the
        // previous update's "completed" and the old tasks running, which is not this rollout done.
        var current = WithoutRuntime(s?["Spec"]?["TaskTemplate"]);
        var running = tasks.Count(t => t?["Status"]?["State"]?.GetValue<string>() == "running" && JsonNode.DeepEquals(WithoutRuntime(t["Spec"]), current));
        return new SwarmServiceRollout(service, s?["UpdateStatus"]?["State"]?.GetValue<string>(), s?["UpdateStatus"]?["Message"]?.GetValue<string>(),
            replicas, running, tasks.Count);
    }

    /// <summary>A task's spec is its service's task template as it was, except that the engine writes the runtime only on the service.</summary>
    private static JsonNode? WithoutRuntime(JsonNode? spec)
    {
        if (spec is not JsonObject o) return spec;
        var copy = o.DeepClone().AsObject();
        copy.Remove("Runtime");
        return copy;
    }
}
