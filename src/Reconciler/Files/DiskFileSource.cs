using Reconciler.Core.Compose;

namespace Reconciler.Files;

/// <summary>
/// The loader's view of the local disk: the CLI's checkout, the daemon's rendered commit. Public so
/// that tests and benchmarks load projects exactly as the binary does (the core stays free of I/O).
/// </summary>
public sealed class DiskFileSource : IFileSource
{
    public static readonly DiskFileSource Instance = new();

    public string? ReadText(string path) => File.Exists(path) ? File.ReadAllText(path) : null;
    public byte[]? ReadBytes(string path) => File.Exists(path) ? File.ReadAllBytes(path) : null;
    public bool FileExists(string path) => File.Exists(path);
    public bool DirectoryExists(string path) => Directory.Exists(path);

    public IEnumerable<string> ListFiles(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
            : [];
}
