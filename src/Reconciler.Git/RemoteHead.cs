namespace Reconciler.Git;

/// <summary>What the remote advertises for the followed branch, learned without fetching.</summary>
public sealed record RemoteHead(string Branch, string Sha);
