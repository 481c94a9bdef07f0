using Reconciler.Core.Compose;

namespace Reconciler.Core.Tests.Compose.Loading;

/// <summary>Reads test data from disk: golden cases are files, as users' projects are.</summary>
internal sealed class DiskFiles : IFileSource
{
    public static readonly DiskFiles Instance = new();
    public string? ReadText(string path) => File.Exists(path) ? File.ReadAllText(path) : null;
    public byte[]? ReadBytes(string path) => File.Exists(path) ? File.ReadAllBytes(path) : null;
    public bool FileExists(string path) => File.Exists(path);
    public bool DirectoryExists(string path) => Directory.Exists(path);
    public IEnumerable<string> ListFiles(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories) : [];
}
