namespace Reconciler.Sops;

/// <summary>
/// A SOPS file that cannot be decrypted, with the file and what to do. The message never holds a
/// decrypted value, a data key or an identity: it names files, key paths, recipients and the step
/// that failed. <see cref="CommitsFault"/>: the commit is at fault (a tampered or corrupt file, a
/// file for keys the host was never given) rather than the host (an unreadable key file).
/// </summary>
public sealed class SopsException(string message, bool commitsFault = true) : Exception(message)
{
    public bool CommitsFault { get; } = commitsFault;
}
