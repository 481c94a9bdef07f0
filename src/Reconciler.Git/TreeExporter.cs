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
/// Files get mode 0644 (0755 when executable in git). Symlinks are written as symlinks when their
/// target stays inside the exported directory, and left out otherwise (an absolute link, or one
/// climbing out, would make a bind mount expose host files). Submodules are left out.
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
            Write(tree, staging, "", ct);
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

    private static void Write(Tree tree, string root, string relative, CancellationToken ct)
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
                    Write((Tree)entry.Target, root, rel, ct);
                    break;
                case Mode.NonExecutableFile or Mode.NonExecutableGroupWritableFile or Mode.ExecutableFile:
                    using (var content = ((Blob)entry.Target).GetContentStream())
                    using (var file = new FileStream(path, new FileStreamOptions
                    {
                        Mode = FileMode.CreateNew,
                        Access = FileAccess.Write,
                        UnixCreateMode = entry.Mode == Mode.ExecutableFile ? ExecutableMode : RegularMode,
                    }))
                    {
                        content.CopyTo(file);
                    }
                    // The umask may have narrowed the mode given at creation.
                    File.SetUnixFileMode(path, entry.Mode == Mode.ExecutableFile ? ExecutableMode : RegularMode);
                    break;
                case Mode.SymbolicLink:
                    var target = ((Blob)entry.Target).GetContentText();
                    if (StaysInside(rel, target))
                    {
                        File.CreateSymbolicLink(path, target);
                    }
                    break;
            }
        }
    }

    /// <summary>Whether a relative link at <paramref name="linkPath"/> names something inside the export (lexically).</summary>
    internal static bool StaysInside(string linkPath, string target)
    {
        if (target.Length == 0 || target.StartsWith('/'))
        {
            return false;
        }
        var depth = linkPath.Count(c => c == '/'); // directories above the link, within the export
        foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            depth += part switch
            {
                ".." => -1,
                "." => 0,
                _ => 1,
            };
            if (depth < 0)
            {
                return false;
            }
        }
        return true;
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
