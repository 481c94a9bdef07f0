using Reconciler.Core.Compose;

namespace Reconciler.Integration.Tests.Infrastructure;

/// <summary>The local disk as the loader sees it (the CLI's own DiskFileSource is internal to the host).</summary>
internal sealed class DiskFiles : IFileSource
{
    public static readonly DiskFiles Instance = new();

    public string? ReadText(string path) => File.Exists(path) ? File.ReadAllText(path) : null;
    public byte[]? ReadBytes(string path) => File.Exists(path) ? File.ReadAllBytes(path) : null;
    public bool FileExists(string path) => File.Exists(path);
    public bool DirectoryExists(string path) => Directory.Exists(path);

    public IEnumerable<string> ListFiles(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
            : [];
}
