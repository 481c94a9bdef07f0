using LibGit2Sharp;
using LibGit2Sharp.Handlers;

namespace Reconciler.Git;

/// <summary>
/// http(s)://, file:// and plain paths through libgit2 (in process, no git binary needed).
/// Credentials go through LibGit2Sharp's credentials callback, never into a url or a config file.
/// </summary>
internal sealed class LibGit2Transport(GitRemote remote, SecretScrubber scrubber, GitNetworkTimeouts timeouts) : IGitTransport
{
    private string BranchRef => "refs/heads/" + remote.Branch;

    public Task<string?> LsRemoteAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        // Ref listing has no callback to cancel through; the socket timeouts bound it, and a
        // cancelled caller stops waiting while the native call runs out (it touches no files).
        var listing = Task.Run(() =>
        {
            LibGit2Options.ApplyTimeouts(timeouts);
            var credentials = new CredentialsAttempt(remote.Auth);
            try
            {
                var refs = Repository.ListRemoteReferences(remote.Url, credentials.Handler);
                var head = refs.FirstOrDefault(r => r.CanonicalName == BranchRef);
                return head?.ResolveToDirectReference()?.TargetIdentifier ?? head?.TargetIdentifier;
            }
            catch (LibGit2SharpException e)
            {
                throw Translate(e, credentials, listing: true);
            }
        }, CancellationToken.None);
        return listing.WaitAsync(ct);
    }

    public Task FetchAsync(string mirrorPath, CancellationToken ct) =>
        // Cancellation is cooperative (the progress callbacks return false) so the caller gets
        // control back only once libgit2 has let go of the mirror.
        Task.Run(() =>
        {
            ct.ThrowIfCancellationRequested();
            LibGit2Options.ApplyTimeouts(timeouts);
            var credentials = new CredentialsAttempt(remote.Auth);
            var options = new FetchOptions
            {
                CredentialsProvider = credentials.Handler,
                TagFetchMode = TagFetchMode.None,
                Prune = false,
                OnProgress = _ => !ct.IsCancellationRequested,
                OnTransferProgress = _ => !ct.IsCancellationRequested,
                OnUpdateTips = (_, _, _) => !ct.IsCancellationRequested,
            };
            try
            {
                using var repo = new Repository(mirrorPath);
                repo.Network.Fetch(remote.Url, [$"+{BranchRef}:{BranchRef}"], options, logMessage: null);
            }
            catch (UserCancelledException) when (ct.IsCancellationRequested)
            {
                throw new OperationCanceledException(ct);
            }
            catch (LibGit2SharpException e)
            {
                throw Translate(e, credentials, listing: false);
            }
        }, CancellationToken.None);

    private GitException Translate(LibGit2SharpException e, CredentialsAttempt credentials, bool listing)
    {
        var reason = scrubber.Scrub(e.Message.Trim());
        var inner = scrubber.Leaks(e) ? null : e;
        if (credentials.Rejected)
        {
            return new GitAuthenticationException(remote.Name, remote.RedactedUrl, $"the remote rejected the credentials for user '{credentials.Username}'", inner);
        }
        if (IsAuthFailure(e.Message))
        {
            var why = remote.Auth is NoGitAuth
                ? $"the remote requires authentication and none is configured ({reason})"
                : $"authentication failed ({reason})";
            return new GitAuthenticationException(remote.Name, remote.RedactedUrl, why, inner);
        }
        // Listing refs is nothing but connecting and reading the advertisement: whatever else
        // fails there means the remote did not serve the repository.
        if (listing || IsNetworkFailure(e.Message))
        {
            return new GitUnreachableException(remote.Name, remote.RedactedUrl, reason, inner);
        }
        return new GitException(remote.Name, remote.RedactedUrl, $"fetch failed: {reason}", inner);
    }

    private static bool IsAuthFailure(string message) =>
        message.Contains("authentication", StringComparison.OrdinalIgnoreCase) ||
        message.Contains("status code: 401", StringComparison.Ordinal) ||
        message.Contains("status code: 403", StringComparison.Ordinal);

    internal static bool IsNetworkFailure(string message) =>
        new[]
        {
            "failed to connect", "failed to resolve address", "timed out", "error receiving data",
            "error sending data", "unexpected EOF", "early EOF", "could not find repository",
            "unexpected http status", "could not read refs", "Connection refused", "SSL",
            "certificate", "failed to send request", "connection", "socket",
        }.Any(p => message.Contains(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Hands the configured credentials to libgit2 once. libgit2 asks again after a 401, up to 15
    /// times with the same answer; the second question means they were refused, so the answer is
    /// then credentials libgit2 cannot use for basic auth, which ends the exchange at once.
    /// </summary>
    private sealed class CredentialsAttempt(GitAuth auth)
    {
        private int _asked;

        public bool Rejected { get; private set; }
        public string? Username => (auth as GitHttpAuth)?.Username;

        public CredentialsHandler? Handler => auth is GitHttpAuth ? Provide : null;

        private Credentials Provide(string url, string usernameFromUrl, SupportedCredentialTypes types)
        {
            if (auth is not GitHttpAuth http || ++_asked > 1 || !types.HasFlag(SupportedCredentialTypes.UsernamePassword))
            {
                Rejected = _asked > 1;
                return new DefaultCredentials();
            }
            return new UsernamePasswordCredentials { Username = http.Username, Password = http.Password };
        }
    }
}
