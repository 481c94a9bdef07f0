using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Reconciler.State;

/// <summary>
/// Proof that this process is the only daemon acting on a state directory: an exclusive lock on
/// <c>&lt;state_dir&gt;/reconciler.lock</c>, held for the life of the process. The operating
/// system drops the lock when the process ends however it ends (even SIGKILL), so there is no
/// stale lock to clean up. Only the daemon takes it; one-shot commands (<c>status</c>,
/// <c>suspend</c>) share the database through SQLite's own locking.
/// </summary>
/// <remarks>
/// On Linux, .NET implements <see cref="FileShare.None"/> as <c>flock(LOCK_EX)</c> on the open
/// file, which is advisory: it binds every .NET process and <c>flock(1)</c>, and is refused to a
/// second open even within one process. Setting <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c> turns
/// it off, and with it this guard.
/// </remarks>
public sealed class StateDirectoryLock : IDisposable
{
    public const string FileName = "reconciler.lock";


    private readonly FileStream _file;

    private StateDirectoryLock(FileStream file, string path)
    {
        _file = file;
        LockPath = path;
    }

    /// <summary>The lock file, <c>&lt;state_dir&gt;/reconciler.lock</c>.</summary>
    public string LockPath { get; }

    /// <summary>
    /// Takes the lock, creating the directory and the file if missing, and writes this process's
    /// id into the file for whoever finds it locked. Does not wait. Keep the result referenced
    /// until the process ends (<c>using var</c> in <c>Main</c>): once it is unreachable, the
    /// garbage collector may close the file and with it the lock.
    /// </summary>
    /// <exception cref="StateDirectoryLockedException">Another process (or another acquire in this one) holds it.</exception>
    /// <exception cref="IOException">The directory or file cannot be created or opened.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to the directory or file.</exception>
    public static StateDirectoryLock Acquire(string stateDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateDirectory);
        var directory = Path.GetFullPath(stateDirectory);
        var path = Path.Combine(directory, FileName);
        PrivateFiles.EnsureDirectory(directory);
        PrivateFiles.Restrict(path);

        FileStream file;
        try
        {
            file = new FileStream(path, PrivateFiles.Create(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex) when (IsHeldElsewhere(ex))
        {
            throw new StateDirectoryLockedException(directory, path, ReadHolder(path), ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && File.Exists(path))
        {
            // A read-only state directory: a lock needs no write access, only the pid goes unrecorded.
            try
            {
                file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            }
            catch (IOException readOnly) when (IsHeldElsewhere(readOnly))
            {
                throw new StateDirectoryLockedException(directory, path, ReadHolder(path), readOnly);
            }
            return new StateDirectoryLock(file, path);
        }

        try
        {
            var pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            file.SetLength(0);
            file.Write(pid);
            file.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // Disk full: the lock holds all the same; only the pid is missing from the message
            // a second daemon would print.
        }
        return new StateDirectoryLock(file, path);
    }

    /// <summary>
    /// Releases the lock. The file stays: deleting it would let a third process lock a new file
    /// while a second still waits on the old one.
    /// </summary>
    public void Dispose() => _file.Dispose();

    // .NET puts the errno in HResult on Unix: flock(LOCK_NB) on a locked file fails with
    // EWOULDBLOCK (11 on Linux, 35 on macOS and the BSDs); Windows reports a sharing violation.
    private static bool IsHeldElsewhere(IOException ex) =>
        ex.HResult is 11 or 35 or unchecked((int)0x80070020);

    /// <summary>The pid written by the holder, or null if it cannot be read (not yet written, not Linux).</summary>
    private static int? ReadHolder(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return null;
        }
        // Every FileStream asks for flock(LOCK_SH), which the holder's LOCK_EX refuses; open(2)
        // and read(2) ignore advisory locks.
        var fd = Native.Open(path, Native.ReadOnly);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            var buffer = new byte[32];
            var count = Native.Read(fd, buffer, buffer.Length);
            if (count <= 0)
            {
                return null;
            }
            var text = Encoding.ASCII.GetString(buffer, 0, (int)count).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    private static class Native
    {
        public const int ReadOnly = 0; // O_RDONLY

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "read", SetLastError = true)]
        public static extern nint Read(int fd, byte[] buffer, nint count);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int fd);
    }
}
