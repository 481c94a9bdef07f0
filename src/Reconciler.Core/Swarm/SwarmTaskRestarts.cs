using System.Collections.Immutable;

namespace Reconciler.Core.Swarm;

/// <summary>
/// Which tasks of a service count as restarts. A task is restarted when it ended by itself — its
/// process exited (<c>failed</c>, or <c>complete</c> under <c>restart_policy: any</c>) or the node
/// refused it (<c>rejected</c>: an image that cannot be pulled, a mount that does not exist) — and the
/// orchestrator put a newer task of the same spec in its slot. Not restarts: tasks Swarm shut down
/// on purpose (an update, a scale-down, a drained node: state <c>shutdown</c>), a task of an old spec
/// replaced by an update, and a failed task that was not replaced (its <c>max_attempts</c> used up:
/// the service then runs fewer tasks than desired, which the replicas gauge shows). Pure.
/// </summary>
public static class SwarmTaskRestarts
{
    /// <summary>States a task reaches without the orchestrator asking it to stop.</summary>
    public static readonly ImmutableArray<string> EndedByThemselves = ["failed", "rejected", "complete"];

    public static IEnumerable<ObservedSwarmTask> Restarted(IEnumerable<ObservedSwarmTask> tasks)
    {
        foreach (var slot in tasks.GroupBy(t => t.Slot, StringComparer.Ordinal))
        {
            var inSlot = slot.ToList();
            foreach (var task in inSlot.Where(t => EndedByThemselves.Contains(t.State)))
                if (inSlot.Any(newer => newer.CreatedAt > task.CreatedAt && newer.SpecHash == task.SpecHash)) yield return task;
        }
    }
}
