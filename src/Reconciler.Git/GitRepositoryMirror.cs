using LibGit2Sharp;

namespace Reconciler.Git;

/// <summary>
/// One configured repository's bare mirror under <c>&lt;state&gt;/repos/&lt;name&gt;.git</c>: asks
/// the remote for the branch's head, fetches that one branch, and reads or exports a fetched
/// commit's files without a working copy. Makes no decisions beyond git's: when to check, fetch
/// or deploy is the caller's.
/// </summary>
/// <remarks>
/// Transports: http(s), file:// and plain paths go through libgit2 (LibGit2Sharp); ssh:// and
/// scp-like urls through the system git and ssh (see <see cref="GitCliTransport"/> for why).
/// The mirror is created on first use and reused across restarts; a directory that is not a valid
/// bare repository, or whose branch points at an unreadable commit, is deleted and created again.
/// Fetches are serialised per mirror; head checks, reads and exports run concurrently with them.
/// </remarks>
public sealed partial class GitRepositoryMirror : IRepositoryMirror
{
    private readonly IGitTransport _transport;
    private readonly SecretScrubber _scrubber;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile KnownHead? _head;
    private bool _verified;

    public GitRepositoryMirror(GitRemote remote, string stateDirectory, GitNetworkTimeouts? timeouts = null)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        if (!IsSafeName(remote.Name))
        {
            throw new ArgumentException($"repository name '{remote.Name}' must be letters, digits, '.', '_' or '-' and not start with '.'", nameof(remote));
        }
        if (!IsSafeBranch(remote.Branch))
        {
            throw new ArgumentException($"repository '{remote.Name}': '{remote.Branch}' is not a valid branch name", nameof(remote));
        }
        var kind = GitUrl.KindOf(remote.Url);
        switch (remote.Auth)
        {
            case GitHttpAuth when kind != GitUrlKind.Http:
                throw new ArgumentException($"repository '{remote.Name}': http credentials need an http:// or https:// url, not {remote.RedactedUrl}", nameof(remote));
            case GitSshKeyAuth when kind != GitUrlKind.Ssh:
                throw new ArgumentException($"repository '{remote.Name}': an ssh key needs an ssh:// or user@host:path url, not {remote.RedactedUrl}", nameof(remote));
        }
        if (remote.KnownHostsFile is not null && kind != GitUrlKind.Ssh)
        {
            throw new ArgumentException($"repository '{remote.Name}': a known_hosts file needs an ssh:// or user@host:path url, not {remote.RedactedUrl}", nameof(remote));
        }

        Remote = remote;
        StateDirectory = Path.GetFullPath(stateDirectory);
        MirrorPath = Path.Combine(StateDirectory, "repos", remote.Name + ".git");
        _scrubber = new SecretScrubber(remote);
        var t = timeouts ?? GitNetworkTimeouts.Default;
        _transport = kind == GitUrlKind.Ssh
            ? new GitCliTransport(remote, _scrubber, t, Path.Combine(StateDirectory, "known_hosts"))
            : new LibGit2Transport(remote, _scrubber, t);
    }

    public GitRemote Remote { get; }

    public string StateDirectory { get; }

    /// <summary>The bare repository: <c>&lt;state&gt;/repos/&lt;name&gt;.git</c>.</summary>
    public string MirrorPath { get; }

    private string BranchRef => "refs/heads/" + Remote.Branch;

    /// <summary>
    /// The commit the remote's branch points at, asked without fetching anything (one connection
    /// and the ref advertisement), so it is cheap enough to call every few seconds.
    /// </summary>
    /// <exception cref="GitUnreachableException">The remote did not answer or does not serve the repository.</exception>
    /// <exception cref="GitAuthenticationException">The remote refused the credentials.</exception>
    /// <exception cref="GitBranchNotFoundException">The remote has no such branch.</exception>
    public async Task<RemoteHead> GetRemoteHeadAsync(CancellationToken ct = default)
    {
        Directory.CreateDirectory(StateDirectory); // ssh writes known_hosts here (unless one is configured)
        var sha = await _transport.LsRemoteAsync(ct).ConfigureAwait(false)
            ?? throw new GitBranchNotFoundException(Remote.Name, Remote.RedactedUrl, Remote.Branch);
        return new RemoteHead(Remote.Branch, sha);
    }

    /// <summary>
    /// Brings the branch into the mirror (forced, so a force-pushed branch is followed) and returns
    /// its head with the commit's author, date and subject. Nothing is transferred when the mirror
    /// already has the remote's head.
    /// </summary>
    /// <exception cref="GitUnreachableException"/>
    /// <exception cref="GitAuthenticationException"/>
    /// <exception cref="GitBranchNotFoundException"/>
    /// <exception cref="GitException">The fetch failed for another reason (even after re-creating the mirror).</exception>
    public Task<FetchResult> FetchAsync(CancellationToken ct = default) => FetchAsync(remoteHead: null, ct);

    /// <summary>
    /// <see cref="FetchAsync(CancellationToken)"/> when the caller has just asked the remote for its head
    /// (<see cref="GetRemoteHeadAsync"/>): that answer is used instead of asking again, so a new commit
    /// costs one ref advertisement, not two.
    /// </summary>
    public async Task<FetchResult> FetchAsync(RemoteHead? remoteHead, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            EnsureMirror();
            var remoteSha = (remoteHead ?? await GetRemoteHeadAsync(ct).ConfigureAwait(false)).Sha;
            var previous = ReadLocalHead();
            if (!string.Equals(previous, remoteSha, StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    await _transport.FetchAsync(MirrorPath, ct).ConfigureAwait(false);
                }
                catch (GitException e) when (e.GetType() == typeof(GitException))
                {
                    // Not the network, not the credentials: most likely a damaged mirror. Start over once.
                    Recreate();
                    previous = null;
                    await _transport.FetchAsync(MirrorPath, ct).ConfigureAwait(false);
                }
            }
            var head = ReadLocalHead()
                ?? throw new GitException(Remote.Name, Remote.RedactedUrl, $"the fetch left no {BranchRef} in the mirror");
            return new FetchResult(head, previous, ReadCommitInfo(head));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The mirror's current head of the branch, or null before the first fetch (or while the mirror is unreadable).</summary>
    public string? GetLocalHead()
    {
        try
        {
            return Directory.Exists(MirrorPath) ? ReadLocalHead() : null;
        }
        catch (LibGit2SharpException)
        {
            return null; // the next fetch re-creates it
        }
    }

    /// <summary>Author, date and subject of a commit in the mirror.</summary>
    /// <exception cref="GitCommitNotFoundException"/>
    public GitCommitInfo GetCommit(string sha) => ReadCommitInfo(sha);

    /// <summary>
    /// The commit's whole message, as written (for trailers such as an explicit permission); never
    /// log it as it is: whoever pushes writes it (see <see cref="GitCommitInfo.Printable"/>).
    /// </summary>
    /// <exception cref="GitCommitNotFoundException"/>
    public string GetMessage(string sha)
    {
        using var repo = OpenRepositoryFor(sha);
        return LookupCommit(repo, sha).Message ?? "";
    }

    /// <summary>
    /// The signature of a fetched commit and the payload it signs, read with libgit2 (the commit
    /// object without its <c>gpgsig</c> header); null when the commit is not signed.
    /// </summary>
    /// <exception cref="GitCommitNotFoundException"/>
    public CommitSignature? ReadSignature(string sha)
    {
        using var repo = OpenRepositoryFor(sha);
        var commit = LookupCommit(repo, sha);
        try
        {
            var info = Commit.ExtractSignature(repo, commit.Id);
            return string.IsNullOrEmpty(info.Signature) ? null : new CommitSignature(info.Signature, info.SignedData);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The files of a fetched commit as the loader's <see cref="Reconciler.Core.Compose.IFileSource"/>,
    /// with <paramref name="rootDirectory"/> standing for the tree's root. Dispose it when done.
    /// </summary>
    /// <exception cref="GitCommitNotFoundException"/>
    public GitTreeFileSource OpenCommit(string sha, string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        var repo = OpenRepositoryFor(sha);
        try
        {
            return new GitTreeFileSource(repo, LookupCommit(repo, sha), rootDirectory);
        }
        catch
        {
            repo.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Exports the directory <paramref name="treePath"/> of a fetched commit ("" for the whole tree)
    /// to <paramref name="directory"/>, so bind mounts have real files. The directory is updated in
    /// place: unchanged files and every directory keep their inodes, so a container bind-mounting a
    /// directory of the export sees the new commit's files without being recreated; a failed export
    /// leaves the previous one as it was (see <see cref="TreeExporter"/>).
    /// Returns the directory, or null when the commit has no such directory (nothing is touched then).
    /// When the directory already holds that commit's export, nothing is written.
    /// </summary>
    /// <exception cref="GitCommitNotFoundException"/>
    /// <exception cref="GitUnsafeTreeException">the tree holds a name that could escape the directory; nothing was written</exception>
    public Task<string?> MaterializeAsync(string sha, string treePath, string directory, CancellationToken ct = default) =>
        MaterializeAsync(sha, treePath, directory, filter: null, force: false, ct);

    /// <summary>
    /// <see cref="MaterializeAsync(string, string, string, CancellationToken)"/> with an
    /// <see cref="IExportFilter"/> deciding what is written for each file; <paramref name="force"/>
    /// compares (and shows the filter) every file even when the directory already holds the commit.
    /// </summary>
    public Task<string?> MaterializeAsync(string sha, string treePath, string directory, IExportFilter? filter, bool force, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var normalized = string.Join('/', (treePath ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."));
        // A drift pass renders the commit it already rendered: one small read answers that, without
        // opening the repository (the marker names the resolved path, so a path through a symlink
        // takes the long way and is resolved again).
        if (IsObjectId(sha) && TreeExporter.IsCurrent(target, sha.ToLowerInvariant(), normalized))
        {
            return Task.FromResult<string?>(target);
        }
        return Task.Run(() =>
        {
            using var repo = OpenRepositoryFor(sha);
            var commit = LookupCommit(repo, sha);
            if (new CommitTree(commit.Tree).Resolve(normalized) is not CommitTree.DirectoryNode node)
            {
                return null;
            }
            if (force || !TreeExporter.IsCurrent(target, commit.Sha, node.Path, filter))
            {
                try
                {
                    TreeExporter.Export(node.Tree, commit.Sha, node.Path, target, ct, filter);
                }
                catch (UnsafeTreeEntryException e)
                {
                    throw new GitUnsafeTreeException(Remote.Name, Remote.RedactedUrl, e.EntryPath, e.Message, e);
                }
            }
            return (string?)target;
        }, ct);
    }

    /// <summary>
    /// Whether <paramref name="directory"/> holds the whole tree of commit <paramref name="sha"/> as
    /// <see cref="MaterializeAsync(string, string, string, CancellationToken)"/> left it (its marker
    /// names the commit), without opening the repository.
    /// </summary>
    public static bool IsRendered(string sha, string directory) =>
        IsObjectId(sha) && TreeExporter.IsCurrent(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)), sha.ToLowerInvariant(), "");

    public override string ToString() => $"mirror of {Remote} at {MirrorPath}";

    private void EnsureMirror()
    {
        if (_verified && Directory.Exists(MirrorPath))
        {
            return;
        }
        if (!IsHealthy())
        {
            Recreate();
        }
        _verified = true;
    }

    private bool IsHealthy()
    {
        if (!Directory.Exists(MirrorPath))
        {
            return false;
        }
        try
        {
            if (!Repository.IsValid(MirrorPath))
            {
                return false;
            }
            using var repo = new Repository(MirrorPath);
            if (!repo.Info.IsBare)
            {
                return false;
            }
            var head = repo.Refs[BranchRef];
            if (head is null)
            {
                return true; // created, never fetched
            }
            return head.ResolveToDirectReference()?.Target is Commit commit && commit.Tree.Count >= 0;
        }
        catch (LibGit2SharpException)
        {
            return false;
        }
    }

    /// <summary>Deletes whatever is at the mirror's path and initialises an empty bare repository there.</summary>
    private void Recreate()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(MirrorPath)!);
        if (Directory.Exists(MirrorPath))
        {
            Directory.Delete(MirrorPath, recursive: true);
        }
        else if (File.Exists(MirrorPath))
        {
            File.Delete(MirrorPath);
        }
        // Initialised aside and renamed, so a crash never leaves a half-made repository in place.
        var staging = $"{MirrorPath}.tmp-{Guid.NewGuid():N}";
        Repository.Init(staging, isBare: true);
        Directory.Move(staging, MirrorPath);
    }

    private string? ReadLocalHead()
    {
        // Every pass asks for the head, and opening the repository costs about a millisecond: the
        // answer is kept while the files a ref lives in (loose, or packed) are unchanged.
        var stamp = RefStamp();
        if (_head is { } known && known.Stamp == stamp) return known.Sha;
        using var repo = new Repository(MirrorPath);
        var sha = repo.Refs[BranchRef]?.ResolveToDirectReference()?.TargetIdentifier;
        _head = new KnownHead(stamp, sha);
        return sha;
    }

    private sealed record KnownHead(((DateTime, long) Loose, (DateTime, long) Packed) Stamp, string? Sha);

    private ((DateTime, long) Loose, (DateTime, long) Packed) RefStamp()
    {
        static (DateTime, long) Of(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
        }
        return (Of(Path.Combine(MirrorPath, BranchRef)), Of(Path.Combine(MirrorPath, "packed-refs")));
    }

    private GitCommitInfo ReadCommitInfo(string sha)
    {
        using var repo = OpenRepositoryFor(sha);
        var commit = LookupCommit(repo, sha);
        return new GitCommitInfo(commit.Sha, GitCommitInfo.Printable(commit.Author.Name, 100), GitCommitInfo.Printable(commit.Author.Email, 100),
            commit.Author.When, GitCommitInfo.Printable(commit.MessageShort));
    }

    private Repository OpenRepositoryFor(string sha)
    {
        if (!IsObjectId(sha))
        {
            throw new ArgumentException($"'{sha}' is not a commit sha", nameof(sha));
        }
        if (!Directory.Exists(MirrorPath))
        {
            throw new GitCommitNotFoundException(Remote.Name, Remote.RedactedUrl, sha);
        }
        try
        {
            return new Repository(MirrorPath);
        }
        catch (LibGit2SharpException)
        {
            // Not a repository (yet, or any more): the next fetch re-creates it.
            throw new GitCommitNotFoundException(Remote.Name, Remote.RedactedUrl, sha);
        }
    }

    private Commit LookupCommit(Repository repo, string sha)
    {
        try
        {
            return repo.Lookup<Commit>(sha) ?? throw new GitCommitNotFoundException(Remote.Name, Remote.RedactedUrl, sha);
        }
        catch (AmbiguousSpecificationException)
        {
            throw new GitCommitNotFoundException(Remote.Name, Remote.RedactedUrl, sha);
        }
        catch (LibGit2SharpException e)
        {
            throw new GitException(Remote.Name, Remote.RedactedUrl, $"cannot read commit {sha} from the mirror: {_scrubber.Scrub(e.Message)}");
        }
    }

    private static bool IsObjectId(string sha) =>
        sha is { Length: >= 7 and <= 64 } && sha.All(char.IsAsciiHexDigit);

    private static bool IsSafeName(string name) =>
        name.Length is > 0 and <= 100 && name[0] != '.' &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>A subset of git's check-ref-format rules, enough to keep the refspec well-formed.</summary>
    private static bool IsSafeBranch(string branch) =>
        branch.Length > 0 && !branch.StartsWith('-') && !branch.StartsWith('/') && !branch.EndsWith('/') &&
        !branch.EndsWith(".lock", StringComparison.Ordinal) && !branch.Contains("..", StringComparison.Ordinal) &&
        !branch.Contains("//", StringComparison.Ordinal) && !branch.Contains("@{", StringComparison.Ordinal) &&
        branch.All(c => c > ' ' && c != 0x7f && c is not ('~' or '^' or ':' or '?' or '*' or '[' or '\\'));
}
