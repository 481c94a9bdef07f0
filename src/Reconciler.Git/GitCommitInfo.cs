namespace Reconciler.Git;

/// <summary>The few facts about a commit that status pages and events show.</summary>
public sealed record GitCommitInfo(string Sha, string AuthorName, string AuthorEmail, DateTimeOffset AuthorDate, string Subject);
