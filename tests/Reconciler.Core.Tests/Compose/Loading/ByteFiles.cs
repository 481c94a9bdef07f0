using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;

namespace Reconciler.Core.Tests.Compose.Loading;

/// <summary>
/// Files held as bytes, for inputs no string can hold (invalid UTF-8) and for sizes a source
/// reports without reading (<see cref="KnowsLengths"/>: then reading a file over the limit fails the test).
/// </summary>
internal sealed class ByteFiles(Dictionary<string, byte[]> files) : IFileSource
{
    public bool KnowsLengths { get; init; }
    public long? MaxReadBytes { get; init; }

    public string? ReadText(string path) => throw new InvalidOperationException("the loader reads bytes and decodes them itself");

    public byte[]? ReadBytes(string path)
    {
        if (!files.TryGetValue(path, out var b)) return null;
        if (b.Length > MaxReadBytes) throw new InvalidOperationException($"{path} was read although its size is known to be over the limit");
        return b;
    }

    public bool FileExists(string path) => files.ContainsKey(path);
    public bool DirectoryExists(string path) => files.Keys.Any(k => k.StartsWith(path.TrimEnd('/') + "/", StringComparison.Ordinal));
    public IEnumerable<string> ListFiles(string directory) => files.Keys.Where(k => k.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal));
    public long? FileLength(string path) => KnowsLengths && files.TryGetValue(path, out var b) ? b.LongLength : null;

    public static LoadResult Load(Dictionary<string, byte[]> files, LoadLimits? limits = null, bool knowsLengths = false) =>
        ComposeLoader.Load(new LoadOptions
        {
            WorkingDirectory = "/p",
            HomeDirectory = "/home/u",
            Limits = limits ?? LoadLimits.Default,
        }, new ByteFiles(files) { KnowsLengths = knowsLengths, MaxReadBytes = knowsLengths ? (limits ?? LoadLimits.Default).MaxFileBytes : null });
}
