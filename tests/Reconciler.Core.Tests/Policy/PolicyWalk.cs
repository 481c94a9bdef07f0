using System.Text;
using Reconciler.Core.Policy;

namespace Reconciler.Core.Tests.Policy;

/// <summary>
/// Drives <see cref="StackPolicy"/> through a pass the way the host's pipeline does, feeding it the
/// given step outcomes in order, and writes down every decision as one line of text, so a rule's
/// test reads as the pass it describes.
/// </summary>
internal static class PolicyWalk
{
    private enum Step { Render, Load, Plan, Execute, Gate, RollBack, Prune }

    public static string Run(StackFacts facts, Trigger trigger, params StepOutcome[] outcomes)
    {
        var text = new StringBuilder();
        var next = StackPolicy.Start(facts, trigger);
        if (next is FinishPass start) return Describe(start.Verdict);
        var c = ((ConvergeCommit)next).Convergence;
        text.Append(Describe(c));
        var step = Step.Render;
        foreach (var outcome in outcomes)
        {
            next = step switch
            {
                Step.Render => StackPolicy.AfterRender(facts, c, outcome),
                Step.Load => StackPolicy.AfterLoad(c, outcome),
                Step.Plan => StackPolicy.AfterPlan(c, outcome),
                Step.Execute => StackPolicy.AfterExecute(c, outcome),
                Step.Gate => StackPolicy.AfterGate(facts, c, outcome),
                Step.RollBack => StackPolicy.AfterRollBack(c, outcome),
                _ => StackPolicy.AfterPrune(c, outcome),
            };
            text.Append(" | ").Append(step.ToString().ToLowerInvariant()).Append(": ");
            switch (next)
            {
                case FinishPass f:
                    return text.Append(Describe(f.Verdict)).ToString();
                case PruneStack:
                    text.Append("prune");
                    step = Step.Prune;
                    break;
                case RollBackTo r:
                    text.Append("roll back to ").Append(r.Commit);
                    step = Step.RollBack;
                    break;
                default:
                    text.Append("proceed");
                    step++;
                    break;
            }
        }
        return text.Append(" | (no verdict)").ToString();
    }

    private static string Describe(Convergence c)
    {
        var flags = new List<string> { c.Mode.ToString().ToLowerInvariant(), c.Commit };
        if (c.IsNewCommit) flags.Add("new");
        if (c.MayApply) flags.Add("may-apply");
        if (c.Suspended) flags.Add("suspended");
        if (c.PinLastGoodImages) flags.Add("pinned");
        if (c.IsRetry) flags.Add("retry");
        return "converge " + string.Join(' ', flags);
    }

    private static string Describe(PassVerdict v)
    {
        var parts = new List<string> { v.Outcome.ToString().ToLowerInvariant() };
        if (v.Commit is not null) parts.Add(v.Commit);
        if (v.Phase is not null) parts.Add("in " + v.Phase);
        if (v.Cause is { } cause) parts.Add(cause switch
        {
            FailureCause.CommitsFault => "commit's fault",
            FailureCause.Transient => "transient",
            _ => "blocked by foreign",
        });
        if (v.Held) parts.Add("held");
        if (v.Repeated) parts.Add("repeated");
        if (v.RolledBack) parts.Add("rolled back");
        if (v.Retry) parts.Add("retry");
        parts.Add("record " + v.Record.ToString().ToLowerInvariant());
        return string.Join(' ', parts);
    }
}
