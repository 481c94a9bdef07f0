using Reconciler.Core.Compose;

namespace Reconciler.Files;

/// <summary>
/// The daemon's view of a stack's files: the disk, confined to the stack's rendered repo tree plus
/// the host paths its config allows (<c>host_files</c>). A path is resolved as the kernel resolves
/// it — every symbolic link in every component, <c>..</c> taken after the link before it — and must
/// end inside the tree or inside an allowed path; otherwise <see cref="Refusal"/> says why and the
/// file reads as absent. Reads open the resolved path, so what was checked is what is read.
/// </summary>
internal sealed class ConfinedFileSource : IFileSource
{
    // Linux gives up with ELOOP after 40 links in one lookup.
    private const int MaxLinks = 40;

    private readonly string _stack;
    private readonly string _root;
    private readonly string[] _allowed;

    /// <param name="stack">The stack's name, for the hint in a refusal.</param>
    /// <param name="root">The rendered repo tree (<c>state_dir/stacks/NAME/tree</c>).</param>
    /// <param name="hostFiles">Absolute host paths (files or directories) the stack may read too.</param>
    public ConfinedFileSource(string stack, string root, IEnumerable<string> hostFiles)
    {
        ArgumentNullException.ThrowIfNull(hostFiles);
        _stack = stack;
        // The boundaries themselves may sit behind links (/var/lib → /data/lib): compare real paths.
        _root = Resolve(Path.GetFullPath(root)) ?? Path.GetFullPath(root);
        _allowed = [.. hostFiles.Select(h => Resolve(Path.GetFullPath(h)) ?? Path.GetFullPath(h))];
    }

    public string? Refusal(string path) => Check(path).Refusal;

    public string? ReadText(string path) => Allowed(path) is { } real && IsRegularFile(real) ? File.ReadAllText(real) : null;

    public byte[]? ReadBytes(string path) => Allowed(path) is { } real && IsRegularFile(real) ? File.ReadAllBytes(real) : null;

    public bool FileExists(string path) => Allowed(path) is { } real && IsRegularFile(real);

    /// <summary>The size, so the loader refuses a file over its limit before reading it.</summary>
    public long? FileLength(string path) =>
        Allowed(path) is { } real && Configuration.UnixFileStatus.Of(real) is { IsRegularFile: true } status ? status.Size : null;

    // Only regular files are read: an allowed host directory may hold a device or a FIFO, and
    // reading /dev/zero or a FIFO nobody writes never ends.
    private static bool IsRegularFile(string real) =>
        Configuration.UnixFileStatus.Of(real) is { } status ? status.IsRegularFile : File.Exists(real);

    public bool DirectoryExists(string path) => Allowed(path) is { } real && Directory.Exists(real);

    /// <summary>
    /// Files under <paramref name="directory"/> named under it (as a bind mount shows them), leaving
    /// out whatever resolves outside the boundary. A linked directory is walked once per real path,
    /// so a link loop ends.
    /// </summary>
    public IEnumerable<string> ListFiles(string directory)
    {
        if (Allowed(directory) is not { } real || !Directory.Exists(real)) return [];
        var files = new List<string>();
        Walk(directory, real, files, new HashSet<string>(StringComparer.Ordinal) { real });
        return files;
    }

    private void Walk(string shown, string real, List<string> files, HashSet<string> seen)
    {
        IEnumerable<string> entries;
        try { entries = Directory.EnumerateFileSystemEntries(real).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (var name in entries)
        {
            var entry = Path.Combine(shown, name);
            if (Allowed(entry) is not { } target) continue;
            if (IsRegularFile(target)) files.Add(entry);
            else if (Directory.Exists(target) && seen.Add(target)) Walk(entry, target, files, seen);
        }
    }

    /// <summary>The real path when it lies inside the boundary, else null.</summary>
    private string? Allowed(string path)
    {
        var (real, refusal) = Check(path);
        return refusal is null ? real : null;
    }

    private (string? Real, string? Refusal) Check(string path)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0', StringComparison.Ordinal)) return (null, "is not a valid path");
        var absolute = Path.IsPathRooted(path) ? path : Path.Combine(Directory.GetCurrentDirectory(), path);
        var real = Resolve(absolute);
        if (real is null) return (null, "cannot be resolved (a loop of symbolic links, or a folder the daemon cannot read)");
        if (Inside(real)) return (real, null);
        var how = Inside(Path.GetFullPath(absolute)) ? " through a symbolic link" : "";
        return (null, $"resolves outside the stack's repository{how}; to let this stack read a host file, list it under host_files of stack \"{_stack}\" in the daemon config");
    }

    private bool Inside(string real) => Under(real, _root) || _allowed.Any(a => Under(real, a));

    private static bool Under(string path, string boundary) =>
        path == boundary || path.StartsWith(boundary.EndsWith('/') ? boundary : boundary + "/", StringComparison.Ordinal);

    /// <summary>
    /// realpath(3) without P/Invoke: walks the components left to right from "/", replacing a link by
    /// its target (relative to the link's folder, or from "/" when absolute) and taking ".." against the
    /// real path built so far — what the kernel does. A component that does not exist is kept as written
    /// (the read then finds nothing). Null on a loop or an unreadable folder.
    /// </summary>
    internal static string? Resolve(string absolute)
    {
        var pending = new Stack<string>(Components(absolute).Reverse());
        var real = new List<string>();
        var links = 0;
        try
        {
            while (pending.TryPop(out var part))
            {
                if (part == ".") continue;
                if (part == "..")
                {
                    if (real.Count > 0) real.RemoveAt(real.Count - 1);
                    continue;
                }
                real.Add(part);
                var target = new FileInfo("/" + string.Join('/', real)).LinkTarget;
                if (target is null) continue;
                if (++links > MaxLinks) return null;
                real.RemoveAt(real.Count - 1);
                if (target.StartsWith('/')) real.Clear();
                foreach (var t in Components(target).Reverse()) pending.Push(t);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return "/" + string.Join('/', real);
    }

    private static IEnumerable<string> Components(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
