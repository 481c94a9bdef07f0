namespace Reconciler.Core.Policy;

/// <summary>
/// What the policy knows of a stack when a pass starts: the repo's head, the stack's record and the
/// options that change decisions. Built by the host from its state store and configuration.
/// </summary>
public sealed record StackFacts
{
    /// <summary>The branch's head in the local mirror; null until the first fetch.</summary>
    public string? Head { get; init; }

    /// <summary>The commit the host runs (or ran last): after a rollback, the last good one.</summary>
    public string? LastApplied { get; init; }

    /// <summary>The last commit that passed its rollout gate; its images are pinned while it is held.</summary>
    public string? LastGood { get; init; }

    /// <summary>The head failed as the commit's fault and is not retried until a newer commit arrives.</summary>
    public bool HeadFailed { get; init; }

    /// <summary>The commit of the last recorded failure: a retry of it opens no new history row up front.</summary>
    public string? LastErrorCommit { get; init; }

    /// <summary>By configuration or by <c>reconciler suspend</c>: drift is reported, nothing is changed.</summary>
    public bool Suspended { get; init; }

    public bool SelfHeal { get; init; }

    /// <summary>A stack whose folder is gone from the commit has its containers removed (never its volumes).</summary>
    public bool PruneStacks { get; init; }

    /// <summary><c>rollback: auto</c>: a commit whose containers fail the gate is replaced by the last good one.</summary>
    public bool AutoRollback { get; init; }
}
