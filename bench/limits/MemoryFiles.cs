using Reconciler.Core.Compose;

namespace Reconciler.Bench.Limits;

/// <summary>The generated project in memory, so the figures are the loader's and not the disk's.</summary>
internal sealed class MemoryFiles(Dictionary<string, byte[]> files) : IFileSource
{
    public string? ReadText(string path) => files.TryGetValue(path, out var b) ? System.Text.Encoding.UTF8.GetString(b) : null;
    public byte[]? ReadBytes(string path) => files.GetValueOrDefault(path);
    public bool FileExists(string path) => files.ContainsKey(path);
    public bool DirectoryExists(string path) => files.Keys.Any(k => k.StartsWith(path.TrimEnd('/') + "/", StringComparison.Ordinal));
    public IEnumerable<string> ListFiles(string directory) => files.Keys.Where(k => k.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal));
    public long? FileLength(string path) => files.TryGetValue(path, out var b) ? b.LongLength : null;
}
