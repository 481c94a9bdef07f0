using LibGit2Sharp;
using LibGit2Sharp.Handlers;

namespace Reconciler.Git;

/// <summary>
/// http(s)://, file:// and plain paths through libgit2 (in process, no git binary needed).
/// Credentials, configured or embedded in the url, go through LibGit2Sharp's credentials callback:
/// the url libgit2 sees, and the one stored in the mirror's config, carries none.
/// </summary>
internal sealed partial class LibGit2Transport : IGitTransport
{
    /// <summary>The mirror's one remote. LibGit2Sharp 0.32 cannot fetch from a bare url with libgit2 1.8 (it rejects the url as a remote name).</summary>
    internal const string RemoteName = "origin";

    private readonly GitRemote _remote;
    private readonly SecretScrubber _scrubber;
    private readonly GitNetworkTimeouts _timeouts;
    private readonly string _url;
    private readonly GitHttpAuth? _credentials;

    public LibGit2Transport(GitRemote remote, SecretScrubber scrubber, GitNetworkTimeouts timeouts)
    {
        _remote = remote;
        _scrubber = scrubber;
        _timeouts = timeouts;
        var (url, user, password) = GitUrl.KindOf(remote.Url) == GitUrlKind.Http ? GitUrl.SplitCredentials(remote.Url) : (remote.Url, null, null);
        _url = url;
        _credentials = remote.Auth as GitHttpAuth ?? (user is null ? null : new GitHttpAuth(user, password ?? ""));
    }

    private string BranchRef => "refs/heads/" + _remote.Branch;

    public Task<string?> LsRemoteAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        // Ref listing has no callback to cancel through; the socket timeouts bound it, and a
        // cancelled caller stops waiting while the native call runs out (it touches no files).
        var listing = Task.Run(() =>
        {
            LibGit2Options.ApplyTimeouts(_timeouts);
            ThrowIfNoLocalRepository();
            var credentials = new CredentialsAttempt(_credentials);
            try
            {
                var refs = ListWithoutInterruptions(credentials);
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

    /// <summary>
    /// The ref listing, asked again when a signal to this process (a child exiting, say) cut a socket
    /// read short: libgit2 reports that EINTR as an error, though nothing is wrong with the remote.
    /// A listing changes nothing, so asking twice is harmless.
    /// </summary>
    private IEnumerable<Reference> ListWithoutInterruptions(CredentialsAttempt credentials)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return Repository.ListRemoteReferences(_url, credentials.Handler).ToList();
            }
            catch (LibGit2SharpException e) when (attempt < 3 && e.Message.Contains("Interrupted system call", StringComparison.Ordinal))
            {
            }
        }
    }

    public Task FetchAsync(string mirrorPath, CancellationToken ct) => FetchRefspecAsync(mirrorPath, $"+{BranchRef}:{BranchRef}", ct);

    public Task FetchRefspecAsync(string mirrorPath, string refspec, CancellationToken ct) =>
        // Cancellation is cooperative (the progress callbacks return false) so the caller gets
        // control back only once libgit2 has let go of the mirror.
        Task.Run(() =>
        {
            ct.ThrowIfCancellationRequested();
            LibGit2Options.ApplyTimeouts(_timeouts);
            var credentials = new CredentialsAttempt(_credentials);
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
                var origin = repo.Network.Remotes[RemoteName];
                if (origin is null)
                {
                    // The remote's configured refspec is the branch's: a preview fetch names its own.
                    repo.Network.Remotes.Add(RemoteName, _url, $"+{BranchRef}:{BranchRef}");
                }
                else if (origin.Url != _url)
                {
                    repo.Network.Remotes.Update(RemoteName, r => r.Url = _url);
                }
                Commands.Fetch(repo, RemoteName, [refspec], options, logMessage: null);
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

    /// <summary>libgit2 reports a missing local path as "unsupported URL protocol"; say what it is.</summary>
    private void ThrowIfNoLocalRepository()
    {
        if (GitUrl.KindOf(_url) != GitUrlKind.Local)
        {
            return;
        }
        var path = _url.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? Uri.UnescapeDataString(_url["file://".Length..]) : _url;
        if (!Directory.Exists(path))
        {
            throw new GitUnreachableException(_remote.Name, _remote.RedactedUrl, $"there is no repository at {path}");
        }
    }

    private GitException Translate(LibGit2SharpException e, CredentialsAttempt credentials, bool listing)
    {
        var reason = _scrubber.Scrub(e.Message.Trim());
        var inner = _scrubber.Leaks(e) ? null : e;
        if (credentials.Rejected)
        {
            var who = _remote.Auth is GitHttpAuth http ? $" for user '{http.Username}'" : " embedded in the url";
            return new GitAuthenticationException(_remote.Name, _remote.RedactedUrl, _scrubber.Scrub($"the remote rejected the credentials{who}"), inner);
        }
        if (IsAuthFailure(e.Message))
        {
            var why = _credentials is null
                ? $"the remote requires authentication and none is configured ({reason})"
                : $"authentication failed ({reason})";
            return new GitAuthenticationException(_remote.Name, _remote.RedactedUrl, why, inner);
        }
        // Listing refs is nothing but connecting and reading the advertisement: whatever else
        // fails there means the remote did not serve the repository.
        if (listing || IsNetworkFailure(e.Message))
        {
            return new GitUnreachableException(_remote.Name, _remote.RedactedUrl, reason, inner);
        }
        return new GitException(_remote.Name, _remote.RedactedUrl, $"fetch failed: {reason}", inner);
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
    /// Hands the credentials to libgit2 once. libgit2 asks again after a 401, up to 15 times with
    /// the same answer; the second question means they were refused, so the answer is then
    /// credentials libgit2 cannot use for basic auth, which ends the exchange at once.
    /// </summary>
    private sealed class CredentialsAttempt(GitHttpAuth? auth)
    {
        private int _asked;

        public bool Rejected { get; private set; }

        public CredentialsHandler? Handler => auth is null ? null : Provide;

        private Credentials Provide(string url, string usernameFromUrl, SupportedCredentialTypes types)
        {
            if (auth is null || ++_asked > 1 || !types.HasFlag(SupportedCredentialTypes.UsernamePassword))
            {
                Rejected = _asked > 1;
                return new DefaultCredentials();
            }
            return new UsernamePasswordCredentials { Username = auth.Username, Password = auth.Password };
        }
    }
}
