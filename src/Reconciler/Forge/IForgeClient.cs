namespace Reconciler.Forge;

/// <summary>
/// What Reconciler asks of a forge's API: commit statuses, the one comment it keeps on a pull
/// (merge) request, and which requests are open. Every call has a timeout and throws
/// <see cref="Notifications.DeliveryFailedException"/> when it fails; the token never appears in one.
/// </summary>
public interface IForgeClient
{
    Task SetStatusAsync(string sha, CommitStatus status, CancellationToken ct);

    /// <summary>
    /// Updates the request's comment whose body holds <paramref name="marker"/> in place, or creates
    /// it: one comment per request however many times it is planned.
    /// </summary>
    Task UpsertCommentAsync(int request, string marker, string body, CancellationToken ct);

    /// <summary>The numbers (GitLab: iids) of the open pull or merge requests.</summary>
    Task<IReadOnlySet<int>> OpenRequestsAsync(CancellationToken ct);
}
