namespace Reconciler.Git;

/// <summary>
/// What a repo's watcher needs of a mirror: the head it holds, the remote's head, and a fetch.
/// Reading commits and exporting trees stay on <see cref="GitRepositoryMirror"/>; this is the seam
/// where the watcher's timing (interval, backoff, waking stacks) is tested without git.
/// </summary>
public interface IRepositoryMirror
{
    /// <summary>The mirror's head of the branch, or null before the first fetch.</summary>
    string? GetLocalHead();

    /// <summary>The commit the remote's branch points at, asked without fetching.</summary>
    Task<RemoteHead> GetRemoteHeadAsync(CancellationToken ct);

    /// <summary>Brings the branch into the mirror; <paramref name="remoteHead"/>, when just asked, saves asking again.</summary>
    Task<FetchResult> FetchAsync(RemoteHead? remoteHead, CancellationToken ct);
}
