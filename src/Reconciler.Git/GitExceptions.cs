namespace Reconciler.Git;

/// <summary>
/// A git operation on one configured repository failed. The message names the repository, its url
/// (credentials redacted) and the reason; it never contains a password, token or key.
/// </summary>
public class GitException : Exception
{
    public GitException(string repository, string redactedUrl, string reason, Exception? inner = null)
        : base($"git repository '{repository}' ({redactedUrl}): {reason}", inner)
    {
        Repository = repository;
        RedactedUrl = redactedUrl;
        Reason = reason;
    }

    public string Repository { get; }
    public string RedactedUrl { get; }
    /// <summary>The reason alone, without the repository prefix.</summary>
    public string Reason { get; }
}

/// <summary>
/// The remote could not be reached or does not serve the repository: connection refused, timed
/// out, unknown host, no repository at that path, an unexpected HTTP status. Transient: retry later.
/// </summary>
public sealed class GitUnreachableException(string repository, string redactedUrl, string reason, Exception? inner = null)
    : GitException(repository, redactedUrl, reason, inner);

/// <summary>
/// The remote refused the credentials (or asked for some and none were configured). Needs a
/// human: retrying with the same secret will not help.
/// </summary>
public sealed class GitAuthenticationException(string repository, string redactedUrl, string reason, Exception? inner = null)
    : GitException(repository, redactedUrl, reason, inner);

/// <summary>The remote answered but has no such branch.</summary>
public sealed class GitBranchNotFoundException(string repository, string redactedUrl, string branch)
    : GitException(repository, redactedUrl, $"the remote has no branch '{branch}'")
{
    public string Branch { get; } = branch;
}

/// <summary>The commit is not in the local mirror (not fetched yet, or not a commit).</summary>
public sealed class GitCommitNotFoundException(string repository, string redactedUrl, string sha)
    : GitException(repository, redactedUrl, $"commit {sha} is not in the local mirror (fetch first)")
{
    public string Sha { get; } = sha;
}

/// <summary>
/// The commit's tree holds an entry that could not be written safely (a name such as <c>..</c>,
/// one with <c>/</c> or NUL in it, or <c>.git</c>). The commit's own fault: nothing was written,
/// and retrying the same commit cannot help.
/// </summary>
public sealed class GitUnsafeTreeException(string repository, string redactedUrl, string entryPath, string reason, Exception? inner = null)
    : GitException(repository, redactedUrl, reason, inner)
{
    /// <summary>The refused entry's path in the tree, as far as it could be named.</summary>
    public string EntryPath { get; } = entryPath;
}
