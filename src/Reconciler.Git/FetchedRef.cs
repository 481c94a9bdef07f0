namespace Reconciler.Git;

/// <summary>
/// A ref or commit asked for by name (<see cref="GitRepositoryMirror.FetchRefAsync"/>), as found:
/// <see cref="Reference"/> is the full ref name it matched (<c>refs/pull/7/head</c>) or, for a
/// sha, the commit itself; <see cref="Sha"/> is always the commit (an annotated tag is peeled).
/// </summary>
public sealed record FetchedRef(string Reference, string Sha, GitCommitInfo Commit);
