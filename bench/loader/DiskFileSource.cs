using Reconciler.Core.Compose;

namespace Reconciler.Bench.Loader;

/// <summary>The loader's view of the local disk (same behaviour as the CLI's own file source).</summary>
internal sealed class DiskFileSource : IFileSource
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
