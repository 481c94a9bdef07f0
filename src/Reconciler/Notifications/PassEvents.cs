using Reconciler.Configuration;
using Reconciler.Core.Policy;

namespace Reconciler.Notifications;

/// <summary>
/// Which events a finished pass is, from what the pass returned (never recomputed): pure, so each
/// rule is a unit test.
/// <list type="bullet">
/// <item>Applied: <c>drift_healed</c> when the host was in sync with that commit before, else <c>deployed</c>.</item>
/// <item>Failed and rolled back: <c>rolled_back</c> (the held passes that follow are not told again).</item>
/// <item>Failed while holding the last good commit: <c>held</c>, once when holding begins.</item>
/// <item>Failed otherwise: <c>failed</c>, unless the pass only repeats a failure recorded earlier.</item>
/// <item>Drift reported (not repaired): <c>drift_detected</c> when the drift differs from what was told.</item>
/// </list>
/// </summary>
public static class PassEvents
{
    public static (IReadOnlyList<NotificationEvent> Events, StackMemory Next) Of(StackPassResult result, StackMemory before, string host, DateTimeOffset at)
    {
        var events = new List<NotificationEvent>();
        void Add(string kind, string? reason) => events.Add(new NotificationEvent(kind, result.Stack, result.Commit, reason, host, at));
        var next = before;
        switch (result.Outcome)
        {
            case PassOutcome.Applied:
                Add(before.InSyncCommit is { } c && c == result.Commit ? NotificationKinds.DriftHealed : NotificationKinds.Deployed,
                    result.Drift.Count > 0 ? DriftText(result.Drift) : null);
                next = new StackMemory { InSyncCommit = result.Commit };
                break;
            case PassOutcome.Noop:
                next = new StackMemory { InSyncCommit = result.Commit };
                break;
            case PassOutcome.Failed when result.RolledBack:
                Add(NotificationKinds.RolledBack, result.Error);
                // The passes after a rollback hold the last good commit: that is what rolled_back said.
                next = before with { Held = true, InSyncCommit = result.RolledBackTo ?? before.InSyncCommit };
                break;
            case PassOutcome.Failed when result.Held:
                if (!before.Held) Add(NotificationKinds.Held, result.Error);
                next = before with { Held = true };
                break;
            case PassOutcome.Failed:
                if (!result.Repeated) Add(NotificationKinds.Failed, result.Error);
                next = before with { Held = false };
                break;
            case PassOutcome.DriftReported or PassOutcome.Suspended when result.Drift.Count > 0:
                var drift = DriftText(result.Drift);
                if (drift != before.Drift) Add(NotificationKinds.DriftDetected, drift);
                next = before with { Drift = drift };
                break;
            case PassOutcome.Suspended:
                next = before with { Drift = null };
                break;
        }
        return (events, next);
    }

    /// <summary><c>web: stopped, worker: image</c>: services and why they drifted, in a stable order.</summary>
    internal static string DriftText(IReadOnlyList<DriftItem> drift) =>
        string.Join(", ", drift.OrderBy(d => d.Service, StringComparer.Ordinal).ThenBy(d => d.Reason, StringComparer.Ordinal)
            .Select(d => $"{d.Service}: {d.Reason}"));
}
