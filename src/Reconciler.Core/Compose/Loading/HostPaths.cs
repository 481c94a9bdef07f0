namespace Reconciler.Core.Compose.Loading;

/// <summary>Paths as compose-go judges them, whatever the platform the loader runs on.</summary>
internal static class HostPaths
{
    /// <summary>
    /// Rooted on Unix (<c>/x</c>) or on Windows (<c>C:\x</c>, <c>C:/x</c>, <c>\\server\share</c>): a
    /// compose file written for Docker Desktop on Windows keeps its paths, as compose keeps them.
    /// </summary>
    public static bool IsAbsolute(string path) =>
        path.StartsWith('/')
        || (path.Length >= 3 && char.IsAsciiLetter(path[0]) && path[1] == ':' && path[2] is '\\' or '/')
        || path.StartsWith(@"\\", StringComparison.Ordinal);

    /// <summary>A relative path joined to <paramref name="dir"/> as Go's filepath.Join does: cleaned, no trailing slash.</summary>
    public static string Join(string dir, string relative)
    {
        var full = Path.GetFullPath(relative, dir);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }
}
