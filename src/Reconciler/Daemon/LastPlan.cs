using Reconciler.Core.Desired;
using Reconciler.Core.Observed;
using Reconciler.Core.Planning;

namespace Reconciler.Daemon;

/// <summary>
/// A stack's last plan and what it was made from. A drift pass of a stack in sync asks the planner
/// the very same question again and again: the same desired state (one instance per commit, from
/// <see cref="CommitLoadCache"/>), the same observed state (one instance per engine-cache snapshot
/// and question) and the same options. The planner is pure, so that question has the answer it had,
/// and a pass whose inputs are unchanged reuses it instead of planning again. Inputs are compared by
/// identity: anything rebuilt (a new commit, an engine change, images pinned for a hold) plans anew.
/// Only the stack's own loop uses it.
/// </summary>
internal sealed class LastPlan
{
    private (DesiredProject Desired, ObservedState Observed, PlanOptions Options, Plan Plan)? _last;

    public Plan PlanOrReuse(DesiredProject desired, ObservedState observed, PlanOptions options)
    {
        if (_last is { } last && ReferenceEquals(last.Desired, desired) && ReferenceEquals(last.Observed, observed)
            && options.RemoveOrphans == last.Options.RemoveOrphans && options.PullAlways == last.Options.PullAlways
            && ReferenceEquals(options.LastPulled, last.Options.LastPulled)
            && (options.Now == last.Options.Now || !Planner.DependsOnTime(desired)))
        {
            return last.Plan;
        }
        var plan = Planner.Plan(desired, observed, options);
        _last = (desired, observed, options, plan);
        return plan;
    }
}
