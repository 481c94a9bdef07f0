namespace Reconciler.Git;

/// <summary>
/// The followed branch's head in the local mirror after a fetch. <see cref="PreviousSha"/> is the
/// mirror's head before it (null on the first fetch); a force-push shows up as a move like any other.
/// </summary>
public sealed record FetchResult(string Sha, string? PreviousSha, GitCommitInfo Commit)
{
    public bool Moved => !string.Equals(Sha, PreviousSha, StringComparison.Ordinal);
}
