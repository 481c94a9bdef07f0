using LibGit2Sharp;

namespace Reconciler.Git;

/// <summary>
/// Writes a directory of a commit's tree to disk and swaps it in for the previous export.
/// </summary>
/// <remarks>
/// Layout for a target <c>D</c>: the new export is written to <c>D.tmp-&lt;sha&gt;</c>; then
/// <c>D</c> is renamed to <c>D.old</c>, <c>D.tmp-&lt;sha&gt;</c> to <c>D</c>, <c>D.old</c> is
/// deleted, and <c>D.commit</c> records what <c>D</c> holds. A failure before the swap leaves
/// <c>D</c> as it was; one during it puts <c>D.old</c> back. The only window in which <c>D</c>
/// is missing is between the two renames.
/// <para>
/// Files get mode 0644 (0755 when executable in git). Symlinks are written as symlinks when they
/// resolve to something inside the exported directory, and left out otherwise (an absolute link,
/// one climbing out, or a dangling one: a bind mount through it could expose host files). Submodules are left out.
/// </para>
/// </remarks>
internal static class TreeExporter
{
    private const UnixFileMode RegularMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode ExecutableMode = RegularMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>The marker beside the directory: "&lt;sha&gt; &lt;tree path&gt;".</summary>
    public static string MarkerPath(string directory) => directory + ".commit";

    public static string MarkerText(string sha, string treePath) => $"{sha} {treePath}\n";

    public static bool IsCurrent(string directory, string sha, string treePath)
    {
        var marker = MarkerPath(directory);
        return Directory.Exists(directory) && File.Exists(marker) && File.ReadAllText(marker) == MarkerText(sha, treePath);
    }

    public static void Export(Tree tree, string sha, string treePath, string directory, CancellationToken ct)
    {
        var parent = Path.GetDirectoryName(directory) ?? throw new ArgumentException($"no parent directory: {directory}", nameof(directory));
        Directory.CreateDirectory(parent);
        var staging = $"{directory}.tmp-{sha}";
        var old = directory + ".old";
        DeleteIfExists(staging); // a crash's leftover
        try
        {
            Directory.CreateDirectory(staging);
            Write(new CommitTree(tree), tree, staging, "", ct);
        }
        catch
        {
            DeleteIfExists(staging);
            throw;
        }

        // The marker goes first so that no crash below leaves it naming the wrong content.
        File.Delete(MarkerPath(directory));
        DeleteIfExists(old);
        var hadPrevious = Directory.Exists(directory);
        if (hadPrevious)
        {
            Directory.Move(directory, old);
        }
        try
        {
            Directory.Move(staging, directory);
        }
        catch
        {
            if (hadPrevious)
            {
                Directory.Move(old, directory);
            }
            DeleteIfExists(staging);
            throw;
        }
        WriteAtomically(MarkerPath(directory), MarkerText(sha, treePath));
        DeleteIfExists(old);
    }

    private static void Write(CommitTree export, Tree tree, string root, string relative, CancellationToken ct)
    {
        foreach (var entry in tree)
        {
            ct.ThrowIfCancellationRequested();
            var rel = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            var path = Path.Combine(root, rel);
            switch (entry.Mode)
            {
                case Mode.Directory:
                    Directory.CreateDirectory(path);
                    Write(export, (Tree)entry.Target, root, rel, ct);
                    break;
                case Mode.NonExecutableFile or Mode.NonExecutableGroupWritableFile or Mode.ExecutableFile:
                    var mode = entry.Mode == Mode.ExecutableFile ? ExecutableMode : RegularMode;
                    var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                    if (!OperatingSystem.IsWindows())
                    {
                        options.UnixCreateMode = mode;
                    }
                    using (var content = ((Blob)entry.Target).GetContentStream())
                    using (var file = new FileStream(path, options))
                    {
                        content.CopyTo(file);
                    }
                    if (!OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(path, mode); // the umask may have narrowed the mode given at creation
                    }
                    break;
                case Mode.SymbolicLink:
                    // Resolved as the kernel would, links through links included, within the export.
                    if (export.Resolve(rel) is not null)
                    {
                        File.CreateSymbolicLink(path, ((Blob)entry.Target).GetContentText());
                    }
                    break;
            }
        }
    }

    private static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    private static void DeleteIfExists(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
