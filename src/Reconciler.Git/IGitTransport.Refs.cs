namespace Reconciler.Git;

/// <summary>The ref advertisement as a whole, for fetching a ref other than the followed branch (<c>reconciler plan --ref</c>).</summary>
internal partial interface IGitTransport
{
    /// <summary>Every ref the remote advertises (branches, tags, pull request heads), peeled entries left out.</summary>
    Task<IReadOnlyList<RemoteRef>> ListRefsAsync(CancellationToken ct);
}
