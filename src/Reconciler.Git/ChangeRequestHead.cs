namespace Reconciler.Git;

/// <summary>
/// The head commit of one pull request (GitHub, Gitea: <c>refs/pull/N/head</c>) or merge request
/// (GitLab: <c>refs/merge-requests/N/head</c>) as the mirror holds it after a preview fetch.
/// </summary>
public sealed record ChangeRequestHead(int Number, string Sha);
