namespace Reconciler.StatusPage;

/// <summary>
/// The web page of a commit on the repo's host, when its url is one a forge serves: GitHub, GitLab,
/// Gitea and Forgejo all answer <c>https://HOST/OWNER/REPO/commit/SHA</c> (GitLab redirects it to
/// its <c>/-/commit/</c> form). Built from <c>https://</c> (or <c>http://</c>) urls, <c>ssh://</c>
/// urls and scp-like <c>git@HOST:OWNER/REPO.git</c>; a local path, <c>file://</c> or anything else
/// has no page. User info (a name or a token) is never carried into the link, and an ssh port is
/// dropped (it is not the web server's).
/// </summary>
public static class CommitLinks
{
    /// <summary>The commit's page, or null when the url does not name one (or the sha is not hex).</summary>
    public static string? For(string repoUrl, string sha)
    {
        if (string.IsNullOrEmpty(sha) || sha.Length > 64 || !sha.All(char.IsAsciiHexDigit)) return null;
        return RepoPage(repoUrl) is { } page ? $"{page}/commit/{sha.ToLowerInvariant()}" : null;
    }

    /// <summary>The repository's web page (<c>https://HOST/OWNER/REPO</c>), or null.</summary>
    public static string? RepoPage(string repoUrl)
    {
        if (string.IsNullOrWhiteSpace(repoUrl)) return null;
        string scheme, authority, path;
        var sep = repoUrl.IndexOf("://", StringComparison.Ordinal);
        if (sep > 0)
        {
            var given = repoUrl[..sep].ToLowerInvariant();
            if (given is not ("https" or "http" or "ssh" or "git+ssh" or "ssh+git")) return null;
            var rest = repoUrl[(sep + 3)..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0) return null;
            authority = rest[..slash];
            path = rest[(slash + 1)..];
            var query = path.IndexOfAny(['?', '#']);
            if (query >= 0) path = path[..query];
            authority = authority[(authority.LastIndexOf('@') + 1)..];
            // The web server of an ssh remote listens on its own port: only an http(s) url keeps its port.
            scheme = given == "http" ? "http" : "https";
            if (scheme == "https" && given != "https") authority = WithoutPort(authority);
        }
        else
        {
            // scp-like, as git tells it apart from a path: a colon before any slash.
            var colon = repoUrl.IndexOf(':', StringComparison.Ordinal);
            var firstSlash = repoUrl.IndexOf('/', StringComparison.Ordinal);
            if (colon <= 0 || (firstSlash >= 0 && firstSlash < colon)) return null;
            authority = repoUrl[..colon];
            authority = authority[(authority.LastIndexOf('@') + 1)..];
            path = repoUrl[(colon + 1)..];
            scheme = "https";
        }
        if (!IsHost(authority)) return null;
        var segments = path.Trim('/').Split('/');
        if (segments.Length < 2 || segments.Any(s => !IsSegment(s))) return null;
        if (segments[^1].EndsWith(".git", StringComparison.OrdinalIgnoreCase)) segments[^1] = segments[^1][..^4];
        if (segments[^1].Length == 0) return null;
        return $"{scheme}://{authority}/{string.Join('/', segments)}";
    }

    private static string WithoutPort(string authority)
    {
        if (authority.StartsWith('[')) return authority[..(authority.IndexOf(']', StringComparison.Ordinal) + 1)];
        var colon = authority.LastIndexOf(':');
        return colon < 0 ? authority : authority[..colon];
    }

    /// <summary>A host name (or [IPv6]) with an optional port: nothing a link could be bent with.</summary>
    private static bool IsHost(string authority) =>
        authority.Length is > 0 and <= 255 && authority[0] != '.' && authority[0] != '-'
        && authority.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']');

    /// <summary>An owner, group or repository name as forges allow them.</summary>
    private static bool IsSegment(string segment) =>
        segment.Length is > 0 and <= 255 && segment != "." && segment != ".."
        && segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '~');
}
