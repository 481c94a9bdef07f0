using Reconciler.Core.Compose;

namespace Reconciler.Files;

/// <summary>
/// The loader's view of the local disk: the CLI's checkout, the daemon's rendered commit. Public so
/// that tests and benchmarks load projects exactly as the binary does (the core stays free of I/O).
/// </summary>
public sealed class DiskFileSource : IFileSource
{
    public static readonly DiskFileSource Instance = new();

    public string? ReadText(string path) => FileExists(path) ? File.ReadAllText(path) : null;
    public byte[]? ReadBytes(string path) => FileExists(path) ? File.ReadAllBytes(path) : null;

    /// <summary>
    /// A file, or a link to one. A dangling link is no file (compose: a <c>.env</c> pointing nowhere
    /// is absent), though <see cref="File.Exists"/> says yes to the link itself.
    /// </summary>
    public bool FileExists(string path)
    {
        if (!File.Exists(path)) return false;
        var info = new FileInfo(path);
        return info.LinkTarget is null || info.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true } and not DirectoryInfo;
    }
    public bool DirectoryExists(string path) => Directory.Exists(path);

    public IEnumerable<string> ListFiles(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
            : [];
}
