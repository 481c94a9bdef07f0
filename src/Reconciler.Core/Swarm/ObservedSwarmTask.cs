using System.Collections.Immutable;

namespace Reconciler.Core.Swarm;

/// <summary>
/// One task of a Swarm service as the engine lists it, in any state: besides the tasks meant to run,
/// the engine keeps the last few ended tasks of each slot (<c>TaskHistoryRetentionLimit</c>, 5 by default).
/// </summary>
/// <param name="Slot">
/// Where the task sits in its service: the slot number of a replicated service, the node id of a
/// global one. A task the orchestrator starts to replace another takes the same slot.
/// </param>
/// <param name="State">Status.State: new … running, then complete, failed, rejected, shutdown, orphaned…</param>
/// <param name="DesiredState">What the orchestrator wants of it: running (or ready, before a delayed restart), shutdown…</param>
/// <param name="SpecHash">Equal for tasks made from the same service spec (a digest of the task's spec), different across updates.</param>
public sealed record ObservedSwarmTask(string Id, string Slot, string State, string DesiredState, DateTimeOffset CreatedAt, string SpecHash)
{
    /// <summary>Meant to run and running (on Swarm a task with a healthcheck runs only once healthy).</summary>
    public bool IsRunning => DesiredState == "running" && State == "running";
}

/// <summary>A Swarm service's tasks: how many it should run, and every task the engine still lists for it.</summary>
/// <param name="Service">The Swarm service's name (<c>&lt;stack&gt;_&lt;service&gt;</c>).</param>
/// <param name="DesiredTasks">Its replicas, or for a global service the tasks scheduled to run.</param>
public sealed record SwarmServiceTasks(string Service, long DesiredTasks, ImmutableArray<ObservedSwarmTask> Tasks)
{
    public long RunningTasks => Tasks.Count(t => t.IsRunning);
}
