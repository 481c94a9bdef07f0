namespace Reconciler.State;

/// <summary>
/// The state directory and the files the daemon keeps in it are its own: the directory 0700, the
/// files 0600 (nothing for group and others), set explicitly so that neither a permissive umask nor a directory left by an older
/// version (0755, 0750) widens them. The database holds commit subjects and errors; the directory
/// holds mirrors of private repos and rendered stacks with their files.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates <paramref name="path"/> (and missing parents) as 0700, or takes every group and other
    /// bit off an existing one (a directory made read-only on purpose stays read-only).
    /// </summary>
    /// <returns>Whether the directory is now closed to other users; false when its mode could not be changed (another owner, a read-only file system).</returns>
    /// <exception cref="IOException">It cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">It cannot be created.</exception>
    public static bool EnsureDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return true;
        }
        Directory.CreateDirectory(path, DirectoryMode);
        return Narrow(path, DirectoryMode);
    }

    /// <summary>
    /// Takes every group and other bit off an existing file (0644 becomes 0600); does nothing when it is
    /// missing. A file that cannot be changed (a read-only state directory, another owner) is left as
    /// it is: whoever then uses it reports the real problem.
    /// </summary>
    public static void Restrict(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path)) return;
        Narrow(path, FileMode);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static bool Narrow(string path, UnixFileMode owner)
    {
        try
        {
            var mode = File.GetUnixFileMode(path);
            var narrowed = mode & (owner | UnixFileMode.UserExecute);
            if (narrowed != mode) File.SetUnixFileMode(path, narrowed);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Options for opening a file that, if created, is created 0600.</summary>
    public static FileStreamOptions Create(System.IO.FileMode mode, FileAccess access, FileShare share = FileShare.Read)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode;
        return options;
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="contents"/> atomically: a 0600 temp file
    /// beside it (a leftover one removed first, as it would keep its old mode), renamed over it; the
    /// folder created private if missing. Throws on I/O errors for the caller to log.
    /// </summary>
    public static void ReplaceAtomically(string path, ReadOnlySpan<byte> contents)
    {
        EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        File.Delete(temp);
        using (var file = new FileStream(temp, Create(System.IO.FileMode.CreateNew, FileAccess.Write)))
        {
            file.Write(contents);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Creates an empty file with mode 0600 unless it exists, so that whoever writes it next never makes it wider.</summary>
    public static void CreateEmpty(string path)
    {
        try
        {
            using var _ = new FileStream(path, Create(System.IO.FileMode.CreateNew, FileAccess.Write));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // exists already (Restrict narrows it), or the directory refuses: SQLite will say so
        }
    }
}
