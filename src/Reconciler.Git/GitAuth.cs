namespace Reconciler.Git;

/// <summary>
/// How to authenticate to a remote. The secret itself is read by the caller (from a file or the
/// environment) and handed over here; <see cref="object.ToString"/> never shows it.
/// </summary>
public abstract record GitAuth
{
    private protected GitAuth()
    {
    }

    /// <summary>Anonymous access (or credentials embedded in the url, or the ssh agent / default key).</summary>
    public static GitAuth None { get; } = new NoGitAuth();
}

/// <summary>No credentials configured.</summary>
public sealed record NoGitAuth : GitAuth
{
    public override string ToString() => "no auth";
}

/// <summary>HTTP basic auth: a user name and a password or access token (http:// and https:// urls).</summary>
public sealed record GitHttpAuth(string Username, string Password) : GitAuth
{
    public override string ToString() => $"http auth as {Username}";
}

/// <summary>
/// An SSH private key file (ssh:// and scp-like urls). The key must not need a passphrase: the
/// daemon runs ssh in batch mode and never prompts.
/// </summary>
public sealed record GitSshKeyAuth(string PrivateKeyFile) : GitAuth
{
    public override string ToString() => $"ssh key {PrivateKeyFile}";
}
