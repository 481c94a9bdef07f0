namespace Reconciler.Git;

/// <summary>The remote has no ref by that name, and no commit by that sha that could be fetched.</summary>
public sealed class GitRefNotFoundException(string repository, string redactedUrl, string reference)
    : GitException(repository, redactedUrl, $"no branch, tag, ref or commit named '{reference}' on the remote")
{
    public string Reference { get; } = reference;
}
