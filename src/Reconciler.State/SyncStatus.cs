namespace Reconciler.State;

/// <summary>Whether a stack's containers match its commit, as <c>reconciler status</c> shows it.</summary>
public enum SyncStatus
{
    /// <summary>No pass has finished for this stack yet (new, or just resumed).</summary>
    Unknown,
    /// <summary>The last pass left the stack as its commit describes.</summary>
    Synced,
    /// <summary>The live containers differ from the commit (drift), or a newer commit waits.</summary>
    OutOfSync,
    /// <summary>The last pass failed; <see cref="StackState.LastError"/> says why.</summary>
    Failed,
    /// <summary>Suspended by <c>reconciler suspend</c>: no pass changes the stack until resumed.</summary>
    Suspended,
}
