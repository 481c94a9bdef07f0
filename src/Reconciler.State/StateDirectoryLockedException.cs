namespace Reconciler.State;

/// <summary>
/// Another daemon holds the state directory's lock, e.g. <c>state directory /var/lib/reconciler
/// is in use by another reconciler (pid 4242, lock file /var/lib/reconciler/reconciler.lock);
/// only one daemon may act on a state directory</c>.
/// </summary>
public sealed class StateDirectoryLockedException(string stateDirectory, string lockPath, int? holderProcessId, Exception? inner = null)
    : IOException(
        $"state directory {stateDirectory} is in use by another reconciler ({(holderProcessId is { } pid ? $"pid {pid}" : "pid unknown")}, lock file {lockPath}); only one daemon may act on a state directory",
        inner)
{
    public string StateDirectory { get; } = stateDirectory;

    public string LockPath { get; } = lockPath;

    /// <summary>The pid the holder wrote into the lock file, when it could be read.</summary>
    public int? HolderProcessId { get; } = holderProcessId;
}
