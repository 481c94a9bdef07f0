using Reconciler.Core.Observed;
using Reconciler.Core.Planning;

namespace Reconciler.Docker.Execution;

/// <summary>What became of one planned action.</summary>
public sealed record ActionOutcome(PlanAction Action, ActionResult Result, string? Error = null, TimeSpan Duration = default)
{
    /// <summary>Why a failed action failed, as a kind (decisions use this; <see cref="Error"/> is for people).</summary>
    public ActionFailure? Failure { get; init; }

    /// <summary>
    /// For a create or recreate that created its container: the image it was created from (id, tags,
    /// digests) as the executor inspected it just before, so the exact images a deploy left running
    /// are known without observing the engine again. Null for every other action.
    /// </summary>
    public ObservedImage? Image { get; init; }
}

public enum ActionResult { Done, Failed, Skipped }

/// <summary>Told of each action as it starts and ends, for the CLI's progress lines, logs and metrics.</summary>
public interface IExecutionObserver
{
    void Started(PlanAction action) { }
    void Progress(PlanAction action, string message) { }
    void Finished(ActionOutcome outcome) { }
}

/// <summary>The whole run: every action's outcome, in completion order.</summary>
public sealed record ExecutionResult(IReadOnlyList<ActionOutcome> Outcomes)
{
    public bool Succeeded => Outcomes.All(o => o.Result == ActionResult.Done);
    public IEnumerable<ActionOutcome> Failures => Outcomes.Where(o => o.Result == ActionResult.Failed);
}
