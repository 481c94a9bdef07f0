namespace Reconciler.Core.Policy;

/// <summary>
/// Whose a failure is, which decides what happens next (as Flux's stalled / transient): a fault of
/// the commit is not retried until a newer commit arrives; anything else is retried with backoff.
/// </summary>
public enum FailureCause
{
    /// <summary>The commit itself is bad (invalid files, an image that does not exist, containers that do not come up).</summary>
    CommitsFault,

    /// <summary>May pass by itself: the engine, the registry, the disk, a container killed by hand.</summary>
    Transient,

    /// <summary>Something the stack does not own is in the way (a port or name held by a foreign container): a human must act, retrying is cheap.</summary>
    BlockedByForeign,
}
