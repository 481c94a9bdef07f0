namespace Reconciler.Git;

/// <summary>The two network operations a mirror needs, whichever program talks to the remote.</summary>
internal interface IGitTransport
{
    /// <summary>The sha the remote advertises for <c>refs/heads/&lt;branch&gt;</c>, or null when it has no such branch.</summary>
    Task<string?> LsRemoteAsync(CancellationToken ct);

    /// <summary>Fetches <c>+refs/heads/&lt;branch&gt;:refs/heads/&lt;branch&gt;</c> (forced, so rewritten history is followed) into the bare repo.</summary>
    Task FetchAsync(string mirrorPath, CancellationToken ct);

    /// <summary>Every ref the remote advertises (branches, tags, PR heads), peeled entries left out.</summary>
    Task<IReadOnlyList<RemoteRef>> ListRefsAsync(CancellationToken ct);

    /// <summary>Fetches these refspecs (each <c>+src:dst</c>, checked by the caller) into the bare repo.</summary>
    Task FetchAsync(string mirrorPath, IReadOnlyList<string> refspecs, CancellationToken ct);
}
