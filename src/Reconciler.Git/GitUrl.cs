namespace Reconciler.Git;

/// <summary>The transport a remote url selects, following git's own rules for telling them apart.</summary>
internal enum GitUrlKind
{
    /// <summary>file:// or a plain path: libgit2's local transport.</summary>
    Local,
    Http,
    /// <summary>ssh://, git+ssh:// or scp-like <c>[user@]host:path</c>.</summary>
    Ssh,
    /// <summary>git:// and anything else libgit2 may know.</summary>
    Other,
}

internal static class GitUrl
{
    public static GitUrlKind KindOf(string url)
    {
        var scheme = SchemeOf(url);
        if (scheme is not null)
        {
            return scheme.ToLowerInvariant() switch
            {
                "file" => GitUrlKind.Local,
                "http" or "https" => GitUrlKind.Http,
                "ssh" or "git+ssh" or "ssh+git" => GitUrlKind.Ssh,
                _ => GitUrlKind.Other,
            };
        }
        return IsScpLike(url) ? GitUrlKind.Ssh : GitUrlKind.Local;
    }

    /// <summary>
    /// git: "host:path" is scp-like when the colon comes before any slash (so <c>./a:b</c> and
    /// <c>/srv/a:b</c> are paths).
    /// </summary>
    private static bool IsScpLike(string url)
    {
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }
        var slash = url.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 || colon < slash;
    }

    private static string? SchemeOf(string url)
    {
        var sep = url.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
        {
            return null;
        }
        var scheme = url[..sep];
        return scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') ? scheme : null;
    }

    /// <summary>
    /// The url without secrets: an http(s) url's whole user info becomes <c>***</c> (tokens often sit
    /// in the user name), any other url keeps its user name and loses its password.
    /// </summary>
    public static string Redact(string url)
    {
        var (userInfo, start) = UserInfoOf(url);
        if (userInfo is null)
        {
            return url;
        }
        var kind = KindOf(url);
        string replacement;
        if (kind is GitUrlKind.Http or GitUrlKind.Other)
        {
            replacement = "***";
        }
        else
        {
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            replacement = colon < 0 ? userInfo : userInfo[..colon] + ":***";
        }
        return url[..start] + replacement + url[(start + userInfo.Length)..];
    }

    /// <summary>The password (or token) embedded in a url, raw and percent-decoded, for scrubbing messages.</summary>
    public static IEnumerable<string> EmbeddedSecrets(string url)
    {
        var (userInfo, _) = UserInfoOf(url);
        if (userInfo is null)
        {
            yield break;
        }
        var kind = KindOf(url);
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        var secrets = new List<string>();
        if (colon >= 0)
        {
            secrets.Add(userInfo[(colon + 1)..]);
        }
        if (kind is GitUrlKind.Http or GitUrlKind.Other)
        {
            secrets.Add(colon < 0 ? userInfo : userInfo[..colon]);
        }
        foreach (var s in secrets.Where(s => s.Length > 0))
        {
            yield return s;
            var decoded = Uri.UnescapeDataString(s);
            if (decoded != s)
            {
                yield return decoded;
            }
        }
    }

    /// <summary>
    /// An http(s) url without its user info, and the user name and password that were in it
    /// (percent-decoded), so they can travel through a credentials callback instead of the url.
    /// </summary>
    public static (string Url, string? Username, string? Password) SplitCredentials(string url)
    {
        var (userInfo, start) = UserInfoOf(url);
        if (userInfo is null)
        {
            return (url, null, null);
        }
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        var user = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
        var password = colon < 0 ? "" : Uri.UnescapeDataString(userInfo[(colon + 1)..]);
        return (url[..start] + url[(start + userInfo.Length + 1)..], user, password);
    }

    /// <summary>The user info of a scheme url (<c>scheme://userinfo@host/…</c>) and where it starts.</summary>
    private static (string? UserInfo, int Start) UserInfoOf(string url)
    {
        if (SchemeOf(url) is null)
        {
            return (null, 0);
        }
        var start = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var end = url.IndexOfAny(['/', '?', '#'], start);
        var authority = end < 0 ? url[start..] : url[start..end];
        var at = authority.LastIndexOf('@');
        return at < 0 ? (null, 0) : (authority[..at], start);
    }
}
