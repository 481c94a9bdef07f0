namespace Reconciler.Core.Policy;

/// <summary>How a pass converges its commit.</summary>
public enum ConvergeMode
{
    /// <summary>The head: deployed, gated, rolled back if it fails.</summary>
    Deploy,

    /// <summary>The head failed: the last applied commit is kept whole (healed), the head's failure stays visible.</summary>
    Hold,
}

/// <summary>The commit a pass takes the stack to, and what it may do on the way (decided by <see cref="StackPolicy.Start"/>).</summary>
public sealed record Convergence
{
    public required string Commit { get; init; }
    public required ConvergeMode Mode { get; init; }

    /// <summary>The head, which differs from <see cref="Commit"/> while holding.</summary>
    public required string Head { get; init; }

    /// <summary>Not the commit the host runs: planned with pulls forced, and recorded in history even when nothing changes.</summary>
    public bool IsNewCommit { get; init; }

    /// <summary>Whether the pass may change the host; when not, drift is only reported.</summary>
    public bool MayApply { get; init; }

    public bool Suspended { get; init; }

    /// <summary>Holding the last good commit: services run the exact images recorded then.</summary>
    public bool PinLastGoodImages { get; init; }

    /// <summary>A retry of the commit whose failure is recorded: a history row only if it ends differently.</summary>
    public bool IsRetry { get; init; }
}
