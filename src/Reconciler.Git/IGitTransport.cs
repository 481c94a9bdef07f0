namespace Reconciler.Git;

/// <summary>The two network operations a mirror needs, whichever program talks to the remote.</summary>
internal interface IGitTransport
{
    /// <summary>The sha the remote advertises for <c>refs/heads/&lt;branch&gt;</c>, or null when it has no such branch.</summary>
    Task<string?> LsRemoteAsync(CancellationToken ct);

    /// <summary>Fetches <c>+refs/heads/&lt;branch&gt;:refs/heads/&lt;branch&gt;</c> (forced, so rewritten history is followed) into the bare repo.</summary>
    Task FetchAsync(string mirrorPath, CancellationToken ct);
}
