using System.Text;
using LibGit2Sharp;

namespace Reconciler.Git;

/// <summary>
/// Writes a directory of a commit's tree to disk, updating the previous export in place.
/// </summary>
/// <remarks>
/// Containers bind-mount directories of the export, and a bind mount holds on to the directory's
/// inode, not its path: an export that swapped in a fresh directory would leave every container
/// that is not recreated looking at a deleted, empty directory. So directories are kept and only
/// their entries change, the way <c>git checkout</c> updates a working tree:
/// <list type="number">
/// <item>Stage: every file or symlink that is new or differs is written under a temporary name
/// in its final directory, and every new directory is built whole under a temporary name in its
/// parent. Unchanged entries are not touched (same inode, same mtime). A failure here (a name the
/// file system cannot hold, a full disk) deletes what was staged and leaves the export as it was.</item>
/// <item>Commit: staged entries are renamed over their final names (atomic per file: a reader sees
/// the old content or the new, never half), then entries the commit no longer has are deleted.</item>
/// </list>
/// A changed file gets a new inode, as with git: a container bind-mounting that single file keeps
/// the old content until it is recreated, which the config hash (it covers bind-mounted files'
/// contents) makes happen. <c>D.commit</c> beside the directory <c>D</c> names the commit that
/// <c>D</c> holds; it is deleted before the commit step and written after it, so a crash in between
/// leaves no marker and the next export repairs the directory (leftover temporary entries are not
/// in the tree, so they are deleted then).
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
    private const string TempPrefix = ".reconciler-tmp-";

    // Linux's NAME_MAX, in bytes: checked before anything is written so that such a commit fails
    // in the staging step (temporary names are short and would only fail at the rename).
    private const int MaxNameBytes = 255;

    /// <summary>The marker beside the directory: "&lt;sha&gt; &lt;tree path&gt;".</summary>
    public static string MarkerPath(string directory) => directory + ".commit";

    public static string MarkerText(string sha, string treePath, IExportFilter? filter = null) =>
        filter is null ? $"{sha} {treePath}\n" : $"{sha} {treePath} {filter.Name}\n";

    public static bool IsCurrent(string directory, string sha, string treePath, IExportFilter? filter = null)
    {
        var marker = MarkerPath(directory);
        return Directory.Exists(directory) && File.Exists(marker) && File.ReadAllText(marker) == MarkerText(sha, treePath, filter);
    }

    public static void Export(Tree tree, string sha, string treePath, string directory, CancellationToken ct, IExportFilter? filter = null)
    {
        directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var parent = Path.GetDirectoryName(directory) ?? throw new ArgumentException($"no parent directory: {directory}", nameof(directory));
        Directory.CreateDirectory(parent);
        RemoveSwapLeftovers(parent, directory);
        if (!IsRealDirectory(directory))
        {
            DeleteIfExists(directory);
            Directory.CreateDirectory(directory);
        }

        CheckBudget(tree, ct);
        var plan = new List<Step>();
        try
        {
            Stage(new CommitTree(tree), tree, directory, "", plan, filter, ct);
        }
        catch
        {
            foreach (var step in plan)
            {
                if (step is Replace r)
                {
                    DeleteIfExists(r.Staged);
                }
            }
            throw;
        }

        foreach (var step in plan)
        {
            EnsureInside(directory, step is Replace r ? r.Final : ((Remove)step).Path);
        }

        // The marker goes first so that no crash below leaves it naming the wrong content.
        File.Delete(MarkerPath(directory));
        foreach (var step in plan)
        {
            switch (step)
            {
                case Replace r:
                    if (IsRealDirectory(r.Final) || (r.StagedIsDirectory && (IsLink(r.Final) || File.Exists(r.Final))))
                    {
                        DeleteIfExists(r.Final); // a rename cannot replace a directory, nor put one over a file
                    }
                    if (r.StagedIsDirectory)
                    {
                        Directory.Move(r.Staged, r.Final);
                    }
                    else
                    {
                        File.Move(r.Staged, r.Final, overwrite: true);
                    }
                    break;
                case Remove d:
                    DeleteIfExists(d.Path);
                    break;
            }
        }
        WriteAtomically(MarkerPath(directory), MarkerText(sha, treePath, filter));
    }

    /// <summary>Entries (files, links, directories) one export may write: far above any config repo.</summary>
    public const int MaxEntries = 200_000;

    /// <summary>Bytes of file content one export may write.</summary>
    public const long MaxBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Directory nesting: the export recurses per level, and no real repo nests this deep.</summary>
    public const int MaxDepth = 128;

    /// <summary>
    /// Walks the tree without recursion before anything is written and refuses one that is too big
    /// to export: a "git bomb" (a small repository whose trees share subtrees, so it expands to
    /// millions of files), a tree nested thousands deep (the export recurses per level), or huge
    /// content. Shared subtrees are counted every time they appear, as the export would write them.
    /// </summary>
    private static void CheckBudget(Tree root, CancellationToken ct)
    {
        var pending = new Stack<(Tree Tree, string Path, int Depth)>();
        pending.Push((root, "", 0));
        long entries = 0, bytes = 0;
        while (pending.Count > 0)
        {
            var (tree, path, depth) = pending.Pop();
            ct.ThrowIfCancellationRequested();
            foreach (var entry in tree)
            {
                var rel = path.Length == 0 ? entry.Name : path + "/" + entry.Name;
                if (++entries > MaxEntries)
                {
                    throw new UnsafeTreeEntryException(rel, $"the tree holds more than {MaxEntries:N0} entries (files, links and directories); such a tree is not exported, so the commit is refused");
                }
                switch (entry.Mode)
                {
                    case Mode.Directory when depth + 1 > MaxDepth:
                        throw new UnsafeTreeEntryException(rel, $"{Shorten(rel)} is nested more than {MaxDepth} directories deep; such a tree is not exported, so the commit is refused");
                    case Mode.Directory:
                        pending.Push(((Tree)entry.Target, rel, depth + 1));
                        break;
                    case Mode.NonExecutableFile or Mode.NonExecutableGroupWritableFile or Mode.ExecutableFile:
                        bytes += ((Blob)entry.Target).Size;
                        if (bytes > MaxBytes)
                        {
                            throw new UnsafeTreeEntryException(rel, $"the tree's files hold more than {MaxBytes / (1024 * 1024 * 1024)} GiB; such a tree is not exported, so the commit is refused");
                        }
                        break;
                }
            }
        }

        static string Shorten(string path) => path.Length > 120 ? path[..60] + "…" + path[^59..] : path;
    }

    /// <summary>One change to the export, applied after everything was staged.</summary>
    private abstract record Step;

    private sealed record Replace(string Staged, string Final, bool StagedIsDirectory) : Step;

    private sealed record Remove(string Path) : Step;

    /// <summary>
    /// Compares <paramref name="tree"/> (at <paramref name="relative"/> in the export) with the
    /// existing directory, stages what differs and lists what to remove.
    /// </summary>
    private static void Stage(CommitTree export, Tree tree, string root, string relative, List<Step> plan, IExportFilter? filter, CancellationToken ct)
    {
        var dir = relative.Length == 0 ? root : Path.Combine(root, relative);
        var existing = Directory.GetFileSystemEntries(dir); // before staging adds temporary entries
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in tree)
        {
            ct.ThrowIfCancellationRequested();
            CheckName(entry.Name, relative);
            var rel = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            var path = Path.Combine(dir, entry.Name);
            EnsureInside(root, path);
            switch (entry.Mode)
            {
                case Mode.Directory:
                    wanted.Add(entry.Name);
                    if (IsRealDirectory(path))
                    {
                        Stage(export, (Tree)entry.Target, root, rel, plan, filter, ct); // kept: bind mounts hold on to it
                    }
                    else
                    {
                        var staged = TempPath(dir);
                        plan.Add(new Replace(staged, path, StagedIsDirectory: true));
                        Directory.CreateDirectory(staged);
                        Write(export, (Tree)entry.Target, staged, rel, filter, ct);
                    }
                    break;
                case Mode.NonExecutableFile or Mode.NonExecutableGroupWritableFile or Mode.ExecutableFile:
                    wanted.Add(entry.Name);
                    var blob = (Blob)entry.Target;
                    var mode = entry.Mode == Mode.ExecutableFile ? ExecutableMode : RegularMode;
                    var filtered = Filtered(filter, rel, blob);
                    if (filtered is not null ? !SameBytes(path, filtered) : !SameFile(path, blob, mode))
                    {
                        var staged = TempPath(dir);
                        plan.Add(new Replace(staged, path, StagedIsDirectory: false));
                        if (filtered is not null) WriteBytes(staged, filtered);
                        else WriteFile(staged, blob, mode);
                    }
                    break;
                case Mode.SymbolicLink when export.Resolve(rel) is not null:
                    // Resolved as the kernel would, links through links included, within the export.
                    wanted.Add(entry.Name);
                    var target = ((Blob)entry.Target).GetContentText();
                    if (!(IsLink(path) && new FileInfo(path).LinkTarget == target))
                    {
                        var staged = TempPath(dir);
                        plan.Add(new Replace(staged, path, StagedIsDirectory: false));
                        File.CreateSymbolicLink(staged, target);
                    }
                    break;
            }
        }
        foreach (var path in existing)
        {
            if (!wanted.Contains(Path.GetFileName(path)))
            {
                plan.Add(new Remove(path));
            }
        }
    }

    /// <summary>Writes a subtree into a new, empty directory.</summary>
    private static void Write(CommitTree export, Tree tree, string directory, string relative, IExportFilter? filter, CancellationToken ct)
    {
        foreach (var entry in tree)
        {
            ct.ThrowIfCancellationRequested();
            CheckName(entry.Name, relative);
            var rel = relative + "/" + entry.Name;
            var path = Path.Combine(directory, entry.Name);
            EnsureInside(directory, path);
            switch (entry.Mode)
            {
                case Mode.Directory:
                    Directory.CreateDirectory(path);
                    Write(export, (Tree)entry.Target, path, rel, filter, ct);
                    break;
                case Mode.NonExecutableFile or Mode.NonExecutableGroupWritableFile or Mode.ExecutableFile:
                    if (Filtered(filter, rel.TrimStart('/'), (Blob)entry.Target) is { } filtered) WriteBytes(path, filtered);
                    else WriteFile(path, (Blob)entry.Target, entry.Mode == Mode.ExecutableFile ? ExecutableMode : RegularMode);
                    break;
                case Mode.SymbolicLink when export.Resolve(rel) is not null:
                    File.CreateSymbolicLink(path, ((Blob)entry.Target).GetContentText());
                    break;
            }
        }
    }

    private static void WriteFile(string path, Blob blob, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }
        using (var content = blob.GetContentStream())
        using (var file = new FileStream(path, options))
        {
            content.CopyTo(file);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode); // the umask may have narrowed the mode given at creation
        }
    }

    private static FilteredContent? Filtered(IExportFilter? filter, string treePath, Blob blob) =>
        filter?.Filter(treePath, blob.Size, () =>
        {
            using var content = blob.GetContentStream();
            using var buffer = new MemoryStream();
            content.CopyTo(buffer);
            return buffer.ToArray();
        });

    /// <summary>Writes a filter's bytes, created with their mode so they are never readable by more than it says.</summary>
    private static void WriteBytes(string path, FilteredContent content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = content.Mode;
        }
        using (var file = new FileStream(path, options))
        {
            file.Write(content.Content);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, content.Mode);
        }
    }

    private static bool SameBytes(string path, FilteredContent content)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.LinkTarget is not null || info.Length != content.Content.Length)
        {
            return false;
        }
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path) != content.Mode)
        {
            return false;
        }
        return File.ReadAllBytes(path).AsSpan().SequenceEqual(content.Content);
    }

    /// <summary>A regular file (not a link) with the blob's bytes and the mode we would give it.</summary>
    private static bool SameFile(string path, Blob blob, UnixFileMode mode)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.LinkTarget is not null || info.Length != blob.Size)
        {
            return false;
        }
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path) != mode)
        {
            return false;
        }
        // Same length (checked above), so comparing chunk by chunk until the file ends is enough.
        using var expected = blob.GetContentStream();
        using var actual = File.OpenRead(path);
        var a = new byte[81920];
        var b = new byte[a.Length];
        int n;
        while ((n = actual.ReadAtLeast(a, a.Length, throwOnEndOfStream: false)) > 0)
        {
            if (expected.ReadAtLeast(b.AsSpan(0, n), n, throwOnEndOfStream: false) != n || !a.AsSpan(0, n).SequenceEqual(b.AsSpan(0, n)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Refuses a name that could make a path leave the directory it is written in, or that git
    /// itself refuses to check out (fsck, libgit2 and both Flux and Argo CD agree): empty, "." or
    /// "..", a "/" or NUL inside, ".git" in any case. git's own tools never write such trees, but a
    /// crafted object can hold them. Then the name's length, which the file system would refuse only
    /// after staging.
    /// </summary>
    private static void CheckName(string name, string relative)
    {
        var where = relative.Length == 0 ? "the top of the tree" : relative;
        var problem = name switch
        {
            "" => "an empty name",
            "." or ".." => $"the name '{name}'",
            _ when name.Contains('/') || name.Contains('\0') => $"a name with '/' or NUL in it ('{Printable(name)}')",
            _ when name.Equals(".git", StringComparison.OrdinalIgnoreCase) => $"the name '{name}' (git's own directory)",
            _ => null,
        };
        if (problem is not null)
        {
            throw new UnsafeTreeEntryException(relative.Length == 0 ? Printable(name) : relative + "/" + Printable(name),
                $"{where} holds an entry with {problem}; such a tree could write outside the checkout, so the commit is refused");
        }
        if (Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            throw new PathTooLongException($"{where}: the name '{name[..40]}…' is longer than {MaxNameBytes} bytes, which the file system cannot hold");
        }
    }

    private static string Printable(string name)
    {
        var shown = name.Replace("\0", "\\0", StringComparison.Ordinal);
        return shown.Length > 80 ? shown[..80] + "…" : shown;
    }

    /// <summary>
    /// The last guard before any write or delete: the path, made absolute and normalized, must lie
    /// strictly inside the export's root. Entry names are checked already; this holds even if a
    /// check above were wrong.
    /// </summary>
    private static void EnsureInside(string root, string path)
    {
        var full = Path.GetFullPath(path);
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new UnsafeTreeEntryException(path, $"the path {path} resolves outside the export directory {root}; refused");
        }
    }

    private static string TempPath(string directory) => Path.Combine(directory, TempPrefix + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>What the earlier, swapping exporter could leave behind after a crash: D.old and D.tmp-&lt;sha&gt;.</summary>
    private static void RemoveSwapLeftovers(string parent, string directory)
    {
        var name = Path.GetFileName(directory);
        foreach (var leftover in Directory.EnumerateDirectories(parent, name + ".*"))
        {
            var suffix = Path.GetFileName(leftover)[name.Length..];
            if (suffix == ".old" || suffix.StartsWith(".tmp-", StringComparison.Ordinal))
            {
                DeleteIfExists(leftover);
            }
        }
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    private static bool IsRealDirectory(string path) => Directory.Exists(path) && !IsLink(path);

    private static void WriteAtomically(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    private static void DeleteIfExists(string path)
    {
        if (IsLink(path) || File.Exists(path))
        {
            File.Delete(path); // a link is removed itself, never followed
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
