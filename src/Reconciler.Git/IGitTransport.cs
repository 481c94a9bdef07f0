namespace Reconciler.Git;

/// <summary>The two network operations a mirror needs, whichever program talks to the remote.</summary>
internal partial interface IGitTransport
{
    /// <summary>The sha the remote advertises for <c>refs/heads/&lt;branch&gt;</c>, or null when it has no such branch.</summary>
    Task<string?> LsRemoteAsync(CancellationToken ct);

    /// <summary>Fetches <c>+refs/heads/&lt;branch&gt;:refs/heads/&lt;branch&gt;</c> (forced, so rewritten history is followed) into the bare repo.</summary>
    Task FetchAsync(string mirrorPath, CancellationToken ct);

    /// <summary>
    /// Fetches one forced refspec with a wildcard (<c>+refs/pull/*/head:refs/pull/*/head</c>) into the
    /// bare repo: the heads of open pull or merge requests, for plan previews. A remote without such
    /// refs is not an error.
    /// </summary>
    Task FetchRefspecAsync(string mirrorPath, string refspec, CancellationToken ct);
}
