using Reconciler.Core.Compose;

namespace Reconciler.Files;

/// <summary>
/// Files rendered under one directory (<c>realRoot</c>, a scratch folder) shown as if they lay under
/// another (<c>shownRoot</c>, the stack's tree in <c>state_dir</c>): the loader asks for shown paths,
/// the inner source reads (and confines) real ones, and every path it hands back is shown again. A
/// load through it produces the paths the daemon's own load of the commit produces (bind sources,
/// working directory, labels), so a plan compares like with like, while the daemon's tree is never
/// written. Paths outside the shown root (host files) pass through unchanged.
/// </summary>
internal sealed class RelocatedFileSource(IFileSource inner, string shownRoot, string realRoot) : IFileSource
{
    private readonly string _shown = Path.TrimEndingDirectorySeparator(shownRoot);
    private readonly string _real = Path.TrimEndingDirectorySeparator(realRoot);

    public string? ReadText(string path) => inner.ReadText(ToReal(path));

    public byte[]? ReadBytes(string path) => inner.ReadBytes(ToReal(path));

    public bool FileExists(string path) => inner.FileExists(ToReal(path));

    public bool DirectoryExists(string path) => inner.DirectoryExists(ToReal(path));

    public IEnumerable<string> ListFiles(string directory) => inner.ListFiles(ToReal(directory)).Select(ToShown);

    public string? Refusal(string path) => inner.Refusal(ToReal(path))?.Replace(_real, _shown, StringComparison.Ordinal);

    public long? FileLength(string path) => inner.FileLength(ToReal(path));

    private string ToReal(string path) => Rebase(path, _shown, _real);

    private string ToShown(string path) => Rebase(path, _real, _shown);

    private static string Rebase(string path, string from, string to) =>
        path == from ? to
        : path.StartsWith(from + "/", StringComparison.Ordinal) ? to + path[from.Length..]
        : path;
}
