using Reconciler.Core.Compose;

namespace Reconciler.Forge;

/// <summary>
/// What a plan preview loads from: the request's commit read from git for paths in the stack's repo
/// tree (so nothing is written to disk, and bind mounts resolve to the paths a deploy would render),
/// and the stack's confined reader for anything else (its <c>host_files</c>; all else it refuses).
/// </summary>
internal sealed class PreviewFileSource(IFileSource commit, IFileSource confined, string treeDirectory) : IFileSource
{
    private readonly string _root = Path.TrimEndingDirectorySeparator(treeDirectory);

    private IFileSource For(string path)
    {
        var full = Path.GetFullPath(path);
        return full == _root || full.StartsWith(_root + "/", StringComparison.Ordinal) ? commit : confined;
    }

    public string? ReadText(string path) => For(path).ReadText(path);

    public byte[]? ReadBytes(string path) => For(path).ReadBytes(path);

    public bool FileExists(string path) => For(path).FileExists(path);

    public bool DirectoryExists(string path) => For(path).DirectoryExists(path);

    public IEnumerable<string> ListFiles(string directory) => For(directory).ListFiles(directory);

    public string? Refusal(string path) => For(path).Refusal(path);

    public long? FileLength(string path) => For(path).FileLength(path);
}
