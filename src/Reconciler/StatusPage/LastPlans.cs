using System.Collections.Concurrent;
using Reconciler.Core.Policy;

namespace Reconciler.StatusPage;

/// <summary>
/// The plan each stack's last planning pass computed, kept in memory for the status page and
/// <c>GET /stacks/NAME/plan</c> (the daemon keeps nothing else of a plan once the pass ends). A pass
/// that ended before planning (a commit that does not load) leaves the previous plan in place.
/// </summary>
public sealed class LastPlans(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, RecordedPlan> _plans = new(StringComparer.Ordinal);

    /// <summary>Hooked to <see cref="Daemon.DaemonStatus.PassCompleted"/>.</summary>
    public void Record(StackPassResult result, Trigger trigger)
    {
        if (result.Plan is { } p) _plans[result.Stack] = new RecordedPlan(p.Commit, p.Plan, time.GetUtcNow());
    }

    public RecordedPlan? Of(string stack) => _plans.TryGetValue(stack, out var plan) ? plan : null;
}
