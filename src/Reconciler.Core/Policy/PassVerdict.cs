namespace Reconciler.Core.Policy;

/// <summary>What a pass writes to the stack's record when it ends (the host maps it to its store).</summary>
public enum RecordKind
{
    /// <summary>Nothing: a wait, a held commit whose failure is recorded already, a repeated failure.</summary>
    None,

    /// <summary>The host matches the commit; a history row only when the commit is new.</summary>
    InSync,

    /// <summary>The commit was applied and passed its gate: it is the new last good commit.</summary>
    Applied,

    /// <summary>Drift found and left alone (self-heal off, or suspended).</summary>
    OutOfSync,

    /// <summary>The pass failed; the commit is marked failed when the cause is the commit's fault.</summary>
    Failed,

    /// <summary>The commit failed its gate and the last good commit runs again.</summary>
    RolledBack,
}

/// <summary>The end of a pass as the policy decided it: what to report and what to record.</summary>
public sealed record PassVerdict
{
    public required PassOutcome Outcome { get; init; }

    /// <summary>The commit reported: the head while holding, else the converged one.</summary>
    public string? Commit { get; init; }

    /// <summary>Where a failure happened: load, plan, apply, health.</summary>
    public string? Phase { get; init; }

    /// <summary>Whose the failure is; null when the pass did not fail.</summary>
    public FailureCause? Cause { get; init; }

    public RecordKind Record { get; init; }

    /// <summary>Holding the last good commit because the head failed: a state, not a new failure.</summary>
    public bool Held { get; init; }

    /// <summary>The failure reported was recorded by an earlier pass: shown, not counted again.</summary>
    public bool Repeated { get; init; }

    /// <summary>The last good commit was restored after the head failed its gate.</summary>
    public bool RolledBack { get; init; }

    /// <summary>The failure may pass by itself: retry with backoff (a commit's own fault waits for a new commit).</summary>
    public bool Retry => Outcome == PassOutcome.Failed && Cause is FailureCause.Transient or FailureCause.BlockedByForeign;
}
