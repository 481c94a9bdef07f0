using LibGit2Sharp;

namespace Reconciler.Git;

/// <summary>
/// Any ref or commit of the remote, not only the followed branch: for <c>reconciler plan --ref</c>,
/// which shows what a branch, a pull request's head or a sha would do before it is merged.
/// Fetched refs land under <c>refs/reconciler/</c>, so the followed branch's ref is never touched.
/// </summary>
public sealed partial class GitRepositoryMirror
{
    private const string FetchedRefName = "refs/reconciler/ref";
    private const string FetchedHeadsPrefix = "refs/reconciler/heads/";

    /// <summary>
    /// Brings <paramref name="reference"/> into the mirror and returns the commit it names. A name is
    /// looked up as git does on the remote: a full ref (<c>refs/pull/7/head</c>), else
    /// <c>refs/heads/NAME</c>, <c>refs/tags/NAME</c>, <c>refs/NAME</c>. A sha (7 to 40 hex digits)
    /// is found in the mirror, among the advertised refs, in any branch, or (a full sha) fetched by id
    /// where the server allows it.
    /// </summary>
    /// <exception cref="GitRefNotFoundException">No such ref or commit.</exception>
    /// <exception cref="GitUnreachableException"/>
    /// <exception cref="GitAuthenticationException"/>
    public async Task<FetchedRef> FetchRefAsync(string reference, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(reference);
        var isSha = IsObjectId(reference);
        // A name goes into a refspec: nothing that could change its meaning (":", "*", a leading "+" or "-").
        if (!isSha && !IsSafeBranch(reference))
        {
            throw new GitRefNotFoundException(Remote.Name, Remote.RedactedUrl, reference);
        }
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            EnsureMirror();
            var advertised = await _transport.ListRefsAsync(ct).ConfigureAwait(false);
            string[] candidates = reference.StartsWith("refs/", StringComparison.Ordinal)
                ? [reference]
                : ["refs/heads/" + reference, "refs/tags/" + reference, "refs/" + reference];
            if (candidates.Select(c => advertised.FirstOrDefault(r => r.Name == c)).FirstOrDefault(r => r is not null) is { } named)
            {
                await _transport.FetchRefspecAsync(MirrorPath, $"+{named.Name}:{FetchedRefName}", ct).ConfigureAwait(false);
                return Found(named.Name, FetchedRefName + "^{commit}");
            }
            if (!isSha) throw new GitRefNotFoundException(Remote.Name, Remote.RedactedUrl, reference);

            if (FindCommit(reference) is { } known) return Found(known, known);
            if (advertised.FirstOrDefault(r => r.Sha.StartsWith(reference, StringComparison.OrdinalIgnoreCase)) is { } pointing)
            {
                await _transport.FetchRefspecAsync(MirrorPath, $"+{pointing.Name}:{FetchedRefName}", ct).ConfigureAwait(false);
                if (FindCommit(reference) is { } atRef) return Found(atRef, atRef);
            }
            // A commit inside some branch's history (an older push of a pull request is not always).
            await _transport.FetchRefspecAsync(MirrorPath, $"+refs/heads/*:{FetchedHeadsPrefix}*", ct).ConfigureAwait(false);
            if (FindCommit(reference) is { } inBranch) return Found(inBranch, inBranch);
            if (reference.Length == 40)
            {
                try
                {
                    // Servers that allow it (GitHub does; protocol v2 servers mostly do) hand out any commit by id.
                    await _transport.FetchRefspecAsync(MirrorPath, $"+{reference.ToLowerInvariant()}:{FetchedRefName}", ct).ConfigureAwait(false);
                }
                catch (GitException e) when (e is not GitAuthenticationException)
                {
                    // Not served by id (the remote answered the listing and the branches just now, so
                    // whatever git says of it — "not our ref", a hung-up connection — means that): not found.
                }
                if (FindCommit(reference) is { } byId) return Found(byId, byId);
            }
            throw new GitRefNotFoundException(Remote.Name, Remote.RedactedUrl, reference);
        }
        finally
        {
            _gate.Release();
        }
    }

    private FetchedRef Found(string reference, string revision)
    {
        using var repo = new Repository(MirrorPath);
        var commit = repo.Lookup(revision) as Commit
            ?? throw new GitRefNotFoundException(Remote.Name, Remote.RedactedUrl, reference);
        return new FetchedRef(reference, commit.Sha, ReadCommitInfo(commit.Sha));
    }

    /// <summary>The full sha of the commit a (possibly abbreviated) sha names in the mirror, or null.</summary>
    private string? FindCommit(string sha)
    {
        using var repo = new Repository(MirrorPath);
        try
        {
            return (repo.Lookup(sha) as Commit)?.Sha;
        }
        catch (AmbiguousSpecificationException)
        {
            return null;
        }
    }
}
