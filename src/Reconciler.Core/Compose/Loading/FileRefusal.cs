using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Loading;

/// <summary>
/// Asks the file source (<see cref="IFileSource.Refusal"/>) before the loader reads a file or hands
/// one to the engine: the daemon confines a stack to its repo tree. A refusal becomes an error at the
/// key that named the path, quoting the path as written — never anything read from a file.
/// </summary>
internal static class FileRefusal
{
    /// <summary>The error for <paramref name="path"/>, or null when the source lets the loader use it.</summary>
    public static Diagnostic? Check(IFileSource fs, string path, string written, Mark? where = null, string? keyPath = null) =>
        fs.Refusal(path) is { } reason ? Diagnostic.Error($"{written} {reason}", where, keyPath) : null;

    /// <summary>Abandons the load when the source refuses <paramref name="path"/>: a file the load cannot do without.</summary>
    public static void ThrowIfRefused(IFileSource fs, string path, string written, Mark? where = null, string? keyPath = null)
    {
        if (Check(fs, path, written, where, keyPath) is { } refused) throw new ComposeException(refused);
    }

    /// <summary>A path the loader resolved, shown relative to <paramref name="directory"/> when under it (as a user writes it).</summary>
    public static string Shown(string path, string directory)
    {
        var dir = directory.TrimEnd('/') + "/";
        return path.StartsWith(dir, StringComparison.Ordinal) ? path[dir.Length..] : path;
    }
}
