namespace Reconciler.Core.Swarm;

/// <summary>How far a service's rollout is, as read from the engine (service and its tasks).</summary>
/// <param name="UpdateState">UpdateStatus.State; null when the service was never updated.</param>
/// <param name="WantedTasks">Replicas for a replicated service; null for a global one (then every task that should run counts).</param>
/// <param name="RunningTasks">Tasks of the current spec, desired running and running: on Swarm a task with a healthcheck is "starting" until healthy.</param>
/// <param name="ScheduledTasks">Tasks desired running, whatever their state.</param>
public sealed record SwarmServiceRollout(string Service, string? UpdateState, string? UpdateMessage, ulong? WantedTasks, int RunningTasks, int ScheduledTasks);

public enum SwarmRolloutVerdict { Converged, Waiting, Failed }

/// <summary>
/// Whether a service's rollout is done, still going, or failed: Swarm pausing or rolling back an
/// update is a failed rollout (doco-cd treats rollback_* the same way); converged means the update (if
/// any) completed and every wanted task runs (healthy, where a healthcheck exists). Pure.
/// </summary>
public static class SwarmRolloutJudge
{
    public static (SwarmRolloutVerdict Verdict, string Reason) Judge(SwarmServiceRollout r)
    {
        switch (r.UpdateState)
        {
            case "paused" or "rollback_started" or "rollback_paused" or "rollback_completed":
                return (SwarmRolloutVerdict.Failed, $"update {r.UpdateState.Replace('_', ' ')}{(string.IsNullOrEmpty(r.UpdateMessage) ? "" : ": " + r.UpdateMessage)}");
            case "updating":
                return (SwarmRolloutVerdict.Waiting, "updating");
        }
        var wanted = r.WantedTasks ?? (ulong)r.ScheduledTasks;
        if ((ulong)r.RunningTasks >= wanted && (r.WantedTasks is not null || r.ScheduledTasks > 0))
            return (SwarmRolloutVerdict.Converged, $"{r.RunningTasks}/{wanted} running");
        return (SwarmRolloutVerdict.Waiting, $"{r.RunningTasks}/{wanted} running");
    }
}
