namespace Reconciler.Git;

/// <summary>
/// One configured repository: where it lives, which branch to follow and how to authenticate.
/// <see cref="Url"/> may be <c>https://</c>, <c>http://</c>, <c>ssh://</c>, scp-like <c>git@host:path</c>,
/// <c>file://</c> or a plain absolute path (relative paths are resolved by the caller).
/// </summary>
public sealed record GitRemote
{
    /// <summary>Names the mirror directory (<c>repos/&lt;name&gt;.git</c>): letters, digits, '.', '_' and '-'.</summary>
    public required string Name { get; init; }

    public required string Url { get; init; }

    public string Branch { get; init; } = "main";

    public GitAuth Auth { get; init; } = GitAuth.None;

    /// <summary>
    /// ssh remotes only: a known_hosts file listing the server keys to trust; any other key is
    /// refused (<c>StrictHostKeyChecking=yes</c>). Null: the key a server shows on first contact is
    /// remembered in <c>&lt;state&gt;/known_hosts</c> and required from then on (<c>accept-new</c>).
    /// </summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>Whether <paramref name="url"/> is reached over ssh (ssh://, git+ssh:// or scp-like <c>user@host:path</c>), by git's rules.</summary>
    public static bool IsSshUrl(string url) => GitUrl.KindOf(url) == GitUrlKind.Ssh;

    /// <summary>The url as it may be shown: credentials embedded in it are replaced by <c>***</c>.</summary>
    public string RedactedUrl => GitUrl.Redact(Url);

    // Records print every property; the url can carry a token, so only the redacted form is shown.
    public override string ToString() => $"{Name} ({RedactedUrl} branch {Branch}, {Auth})";
}
