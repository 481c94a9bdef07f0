using System.Globalization;
using System.Runtime.InteropServices;

namespace Reconciler.Daemon;

/// <summary>
/// Gives back the pages of the daemon's own files (its native binary, libgit2, sqlite) that start-up
/// read and steady state never touches again. The kernel reads a file ahead in large folios and maps
/// a whole folio on a fault: a daemon that runs a fraction of its 40 MB binary kept 30-40 MiB of it
/// resident (bench/cache). Declaring the mappings random-access (no read-ahead, so later faults read
/// and map single pages), unmapping what start-up mapped and dropping the files' cached pages leaves
/// resident only what the daemon goes on to use. Linux only; every step is advice the kernel may
/// ignore, and a failure only keeps memory resident, so refused calls are counted, not raised
/// (reading <c>/proc/self/smaps</c> itself can throw: the caller logs that).
/// </summary>
public static class StartupPages
{
    private const int MadvRandom = 1;
    private const int MadvDontneed = 4;
    private const int MadvPageout = 21;
    private const int PosixFadvDontneed = 4;

    /// <summary>One file mapping of this process: its range, permissions (<c>r-xp</c>), file, and kB of private copies in it.</summary>
    public sealed record Mapping(nint Start, nint End, string Permissions, string File, long AnonymousKb);

    /// <summary>What <see cref="Release"/> advised: bytes of mappings, the files, and calls the kernel refused.</summary>
    public sealed record Released(long MappedBytes, IReadOnlyList<string> Files, int Refused);

    /// <summary>The file mappings of this process whose file lies under <paramref name="directory"/> (from <c>/proc/self/smaps</c>).</summary>
    public static IReadOnlyList<Mapping> MappingsUnder(string directory)
    {
        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) + "/";
        var found = new List<Mapping>();
        Mapping? current = null;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.StartsWith("Anonymous:", StringComparison.Ordinal))
            {
                if (current is not null)
                    found.Add(current with { AnonymousKb = long.Parse(line.AsSpan(10).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) });
                current = null;
                continue;
            }
            // A header: start-end perms offset dev inode path; the path (column 6) may hold spaces.
            // Field lines ("Rss:  12 kB") have no '-' in their first word.
            var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 5 || parts[0].IndexOf('-') <= 0 || parts[0].EndsWith(':')) continue;
            current = null;
            if (parts.Length < 6 || !parts[5].StartsWith(prefix, StringComparison.Ordinal)) continue;
            var range = parts[0].Split('-');
            current = new Mapping((nint)long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                (nint)long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture), parts[1], parts[5].Trim(), 0);
        }
        return found;
    }

    /// <summary>Advises the kernel on every mapping of a file under <paramref name="directory"/> (see the type).</summary>
    public static Released Release(string directory)
    {
        if (!OperatingSystem.IsLinux()) return new Released(0, [], 0);
        var mappings = MappingsUnder(directory);
        long bytes = 0;
        var refused = 0;
        foreach (var m in mappings)
        {
            var length = (nuint)(m.End - m.Start);
            // Random first: the pages faulted back in afterwards come one at a time.
            if (Native.Madvise(m.Start, length, MadvRandom) != 0) refused++;
            // A read-only mapping with no private copies holds only the file's pages: unmapping them
            // loses nothing (a later access maps them again) and needs no right to the file. Where
            // something was written (relocations made read-only after, .data), only a page-out is
            // safe: it drops clean file pages and keeps the copies (there is no swap to move them
            // to); the kernel allows it to the file's owner and root, and ignores it for others.
            var readOnly = !m.Permissions.Contains('w', StringComparison.Ordinal) && m.AnonymousKb == 0;
            if (Native.Madvise(m.Start, length, readOnly ? MadvDontneed : MadvPageout) != 0) refused++;
            bytes += (long)length;
        }
        var files = mappings.Select(m => m.File).Distinct(StringComparer.Ordinal).ToList();
        foreach (var file in files)
        {
            // Cached pages no process maps now (read ahead at start, or left by the install) would otherwise be mapped whole again.
            try
            {
                using var handle = File.OpenHandle(file);
                if (Native.PosixFadvise((int)handle.DangerousGetHandle(), 0, 0, PosixFadvDontneed) != 0) refused++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                refused++;
            }
        }
        return new Released(bytes, files, refused);
    }

    private static class Native
    {
        [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
        public static extern int Madvise(nint address, nuint length, int advice);

        // Returns the error number itself (0 on success), not -1 and errno.
        [DllImport("libc", EntryPoint = "posix_fadvise")]
        public static extern int PosixFadvise(int fd, long offset, long length, int advice);
    }
}
