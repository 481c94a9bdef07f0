namespace Reconciler.Git;

/// <summary>A commit's signature (the <c>gpgsig</c> header: SSH or OpenPGP armor) and the exact bytes it signs.</summary>
public sealed record CommitSignature(string Signature, string SignedData);
