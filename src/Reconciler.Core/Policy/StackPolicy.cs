namespace Reconciler.Core.Policy;

/// <summary>
/// The stack policy: every decision of a reconcile pass, as pure functions of the stack's facts and
/// the outcome of the step just taken. The host's pipeline (render → load → plan → execute → gate)
/// asks after each step; nothing here does I/O, so each rule has a golden test
/// (tests/Reconciler.Core.Tests/Policy/StackPolicyTests.cs, one test per rule, named by it).
/// </summary>
/// <remarks>
/// The rules, in the order a pass meets them:
/// <list type="number">
/// <item>No head yet: wait for the first fetch.</item>
/// <item>A head that failed as the commit's fault is not retried until a newer commit arrives; the last applied commit is held (and healed) instead, with the images it ran when it was last good. With nothing applied ever, the recorded failure is reported again and nothing changes.</item>
/// <item>The host is changed only when not suspended and the commit is new, or the pass was not a drift tick, or self-heal is on; otherwise drift is reported.</item>
/// <item>A stack folder gone from the commit removes the stack's containers when prune_stacks is on (and not suspended); otherwise it is a failure.</item>
/// <item>Invalid files, a blocked plan or a missing folder are the commit's fault when the commit is new; met again on a commit that ran before (a host file changed, a foreign container appeared), they are retried.</item>
/// <item>A tree that would escape its directory is the commit's fault; a disk that refuses it is not.</item>
/// <item>An engine that cannot be read is transient.</item>
/// <item>An empty plan records the commit as in sync; a plan not allowed to run records drift.</item>
/// <item>A failed action carries its own cause (an image the registry does not have is the commit's fault).</item>
/// <item>A commit whose containers fail the gate is the commit's fault when an earlier good commit exists (with none, it may be a `docker kill`: retried); with rollback: auto the last good commit is restored.</item>
/// <item>A container removed while the gate watched, or an engine gone, is transient.</item>
/// </list>
/// </remarks>
public static class StackPolicy
{
    /// <summary>Which commit the pass converges, and whether it may change the host.</summary>
    public static Next Start(StackFacts facts, Trigger trigger)
    {
        if (facts.Head is not { } head)
            return Next.Finish(new PassVerdict { Outcome = PassOutcome.Waiting });
        if (facts.HeadFailed && facts.LastApplied is null)
            return Next.Finish(Failure(head, "load", FailureCause.CommitsFault, RecordKind.None) with { Repeated = true });
        var commit = facts.HeadFailed ? facts.LastApplied! : head;
        var isNew = commit != facts.LastApplied;
        return new ConvergeCommit(new Convergence
        {
            Commit = commit,
            Head = head,
            Mode = commit != head ? ConvergeMode.Hold : ConvergeMode.Deploy,
            IsNewCommit = isNew,
            MayApply = !facts.Suspended && (isNew || trigger != Trigger.Drift || facts.SelfHeal),
            Suspended = facts.Suspended,
            PinLastGoodImages = commit != head && commit == facts.LastGood,
            IsRetry = facts.LastErrorCommit == commit,
        });
    }

    /// <summary>After the commit's files were written to disk.</summary>
    public static Next AfterRender(StackFacts facts, Convergence c, StepOutcome rendered) => rendered switch
    {
        Rendered => Next.Proceed,
        FolderMissing when facts.PruneStacks && !c.Suspended => new PruneStack(),
        FolderMissing => Fail(c, "load", NewCommitsFault(c)),
        RenderFailed r => Fail(c, "load", r.UnsafeTree ? FailureCause.CommitsFault : FailureCause.Transient),
        _ => throw Unexpected(rendered),
    };

    /// <summary>After the compose files were loaded (only a failure is reported: success proceeds).</summary>
    public static Next AfterLoad(Convergence c, StepOutcome loaded) => loaded switch
    {
        LoadFailed => Fail(c, "load", NewCommitsFault(c)),
        _ => Next.Proceed,
    };

    /// <summary>After planning against the engine.</summary>
    public static Next AfterPlan(Convergence c, StepOutcome planned) => planned switch
    {
        PlanFailed => Fail(c, "plan", FailureCause.Transient),
        Planned { Blocked: true } => Fail(c, "plan", NewCommitsFault(c)),
        Planned p when c.Mode == ConvergeMode.Hold => !p.Empty && c.MayApply ? Next.Proceed : Next.Finish(Held(c, repairFailed: false)),
        Planned { Empty: true } => Next.Finish(new PassVerdict
        {
            Outcome = c.Suspended ? PassOutcome.Suspended : PassOutcome.Noop, Commit = c.Commit, Record = RecordKind.InSync,
        }),
        Planned when !c.MayApply => Next.Finish(new PassVerdict
        {
            Outcome = c.Suspended ? PassOutcome.Suspended : PassOutcome.DriftReported, Commit = c.Commit, Record = RecordKind.OutOfSync,
        }),
        Planned => Next.Proceed,
        _ => throw Unexpected(planned),
    };

    /// <summary>After the plan's actions ran.</summary>
    public static Next AfterExecute(Convergence c, StepOutcome executed) => executed switch
    {
        // Holding: the repair is done or retried; the head's failure stays what is reported.
        Executed e when c.Mode == ConvergeMode.Hold => Next.Finish(Held(c, repairFailed: e.Failure is not null)),
        Executed { Failure: { } cause } => Fail(c, "apply", cause),
        Executed => Next.Proceed,
        _ => throw Unexpected(executed),
    };

    /// <summary>After the rollout gate watched the containers the plan touched.</summary>
    public static Next AfterGate(StackFacts facts, Convergence c, StepOutcome gated) => gated switch
    {
        Gated { Result: GateResult.Passed } => Next.Finish(new PassVerdict { Outcome = PassOutcome.Applied, Commit = c.Commit, Record = RecordKind.Applied }),
        Gated { Result: GateResult.Interrupted or GateResult.Disappeared } => Fail(c, "health", FailureCause.Transient),
        // With no earlier good commit to hold instead (a first deploy), blocking the commit would
        // leave the stack down for good over what may be a `docker kill`: it is retried, backing off.
        Gated when facts.LastGood is not { } good || good == c.Commit => Fail(c, "health", FailureCause.Transient),
        Gated when facts.AutoRollback => new RollBackTo(facts.LastGood),
        Gated => Fail(c, "health", FailureCause.CommitsFault),
        _ => throw Unexpected(gated),
    };

    /// <summary>After the last good commit was re-applied: the head stays failed either way.</summary>
    public static Next AfterRollBack(Convergence c, StepOutcome rolledBack) => rolledBack switch
    {
        RolledBack { Succeeded: true } => Next.Finish(Failure(c.Commit, "health", FailureCause.CommitsFault, RecordKind.RolledBack) with { RolledBack = true }),
        RolledBack => Fail(c, "health", FailureCause.CommitsFault),
        _ => throw Unexpected(rolledBack),
    };

    /// <summary>After the containers of a stack whose folder is gone were removed.</summary>
    public static Next AfterPrune(Convergence c, StepOutcome pruned) => pruned switch
    {
        Pruned { Removals: 0 } => Next.Finish(new PassVerdict { Outcome = PassOutcome.Noop, Commit = c.Commit, Record = RecordKind.InSync }),
        Pruned { Succeeded: true } => Next.Finish(new PassVerdict { Outcome = PassOutcome.Applied, Commit = c.Commit, Record = RecordKind.Applied }),
        Pruned => Fail(c, "apply", FailureCause.Transient),
        PlanFailed => Fail(c, "plan", FailureCause.Transient),
        _ => throw Unexpected(pruned),
    };

    // A failure met on a commit that ran before is not the commit's: something around it changed.
    private static FailureCause NewCommitsFault(Convergence c) => c.IsNewCommit ? FailureCause.CommitsFault : FailureCause.Transient;

    private static Next Fail(Convergence c, string phase, FailureCause cause) =>
        Next.Finish(Failure(c.Commit, phase, cause, RecordKind.Failed));

    private static PassVerdict Failure(string commit, string phase, FailureCause cause, RecordKind record) =>
        new() { Outcome = PassOutcome.Failed, Commit = commit, Phase = phase, Cause = cause, Record = record };

    // The head's failure is the one reported (recorded when it happened); a failed repair is retried.
    private static PassVerdict Held(Convergence c, bool repairFailed) =>
        Failure(c.Head, repairFailed ? "apply" : "load", repairFailed ? FailureCause.Transient : FailureCause.CommitsFault, RecordKind.None)
            with { Held = true, Repeated = !repairFailed };

    private static InvalidOperationException Unexpected(StepOutcome outcome) =>
        new($"the policy has no rule for {outcome.GetType().Name} at this step");
}
