using LibGit2Sharp;

namespace Reconciler.Git;

/// <summary>
/// Pull and merge request heads, for plan previews: fetched into the mirror beside the branch
/// (under the same names the forge uses), listed, and compared with the branch per stack folder.
/// </summary>
public sealed partial class GitRepositoryMirror
{
    /// <summary>
    /// Fetches every <c>{prefix}N/head</c> the remote advertises (forced: a force-pushed PR is followed)
    /// and lists them. <paramref name="prefix"/> is <c>refs/pull/</c> or <c>refs/merge-requests/</c>.
    /// Serialised with the branch's fetches.
    /// </summary>
    /// <exception cref="GitUnreachableException"/>
    /// <exception cref="GitAuthenticationException"/>
    public async Task<IReadOnlyList<ChangeRequestHead>> FetchChangeRequestHeadsAsync(string prefix, CancellationToken ct = default)
    {
        if (prefix is not ("refs/pull/" or "refs/merge-requests/"))
            throw new ArgumentException($"'{prefix}' is not a pull or merge request ref prefix", nameof(prefix));
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            EnsureMirror();
            await _transport.FetchRefspecAsync(MirrorPath, $"+{prefix}*/head:{prefix}*/head", ct).ConfigureAwait(false);
            return ListChangeRequestHeads(prefix);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The request heads the mirror holds under <paramref name="prefix"/>, by number.</summary>
    public IReadOnlyList<ChangeRequestHead> ListChangeRequestHeads(string prefix)
    {
        if (!Directory.Exists(MirrorPath)) return [];
        using var repo = new Repository(MirrorPath);
        var heads = new List<ChangeRequestHead>();
        foreach (var r in repo.Refs.Where(r => r.CanonicalName.StartsWith(prefix, StringComparison.Ordinal)))
        {
            // Only N/head: GitHub also advertises N/merge, a merge commit it made itself.
            var rest = r.CanonicalName[prefix.Length..];
            if (!rest.EndsWith("/head", StringComparison.Ordinal)) continue;
            if (!int.TryParse(rest[..^"/head".Length], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)) continue;
            if (r.ResolveToDirectReference()?.TargetIdentifier is { } sha) heads.Add(new ChangeRequestHead(number, sha));
        }
        return [.. heads.OrderBy(h => h.Number)];
    }

    /// <summary>
    /// Whether <paramref name="head"/> changes anything under <paramref name="path"/> ("." for the
    /// whole tree) compared with where it branched off <paramref name="baseSha"/> (their merge base):
    /// a request based on an older branch head does not count as touching what the branch changed since.
    /// With no common history, any difference from <paramref name="baseSha"/> counts.
    /// </summary>
    /// <exception cref="GitCommitNotFoundException"/>
    public bool Touches(string baseSha, string head, string path)
    {
        using var repo = OpenRepositoryFor(head);
        var headCommit = LookupCommit(repo, head);
        var baseCommit = LookupCommit(repo, baseSha);
        var fork = repo.ObjectDatabase.FindMergeBase(baseCommit, headCommit) ?? baseCommit;
        return TreeIdAt(fork, path) != TreeIdAt(headCommit, path);
    }

    private static string? TreeIdAt(Commit commit, string path)
    {
        var normalized = string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."));
        if (normalized.Length == 0) return commit.Tree.Sha;
        return commit[normalized]?.Target.Sha;
    }
}
