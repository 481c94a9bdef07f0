namespace Reconciler.Git;

/// <summary>One ref a remote advertises: its full name (<c>refs/pull/7/head</c>) and the object it points at.</summary>
public sealed record RemoteRef(string Name, string Sha);
