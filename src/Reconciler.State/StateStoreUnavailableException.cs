namespace Reconciler.State;

/// <summary>
/// The state store could not do what was asked. The message names the database, the operation
/// and the reason, e.g. <c>state store /var/lib/reconciler/state.db: update stack 'web' failed:
/// the state directory /var/lib/reconciler is on a read-only file system (SQLite Error 14:
/// 'unable to open database file')</c>. Nothing was written; the daemon can log it, count it by <see cref="Failure"/>
/// and carry on, and the next call tries again.
/// </summary>
public sealed class StateStoreUnavailableException(string databasePath, string operation, StateStoreFailure failure, string reason, Exception? inner = null)
    : Exception($"state store {databasePath}: {operation} failed: {reason}", inner)
{
    public string DatabasePath { get; } = databasePath;

    /// <summary>What was being done, e.g. <c>update stack 'web'</c>.</summary>
    public string Operation { get; } = operation;

    public StateStoreFailure Failure { get; } = failure;

    /// <summary>The cause, without the path and operation.</summary>
    public string Reason { get; } = reason;
}
