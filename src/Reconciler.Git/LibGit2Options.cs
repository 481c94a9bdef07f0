using System.Runtime.InteropServices;
using LibGit2Sharp;

namespace Reconciler.Git;

/// <summary>
/// libgit2's socket timeouts, which LibGit2Sharp 0.32 does not expose. Without them a server that
/// accepts a connection and then says nothing blocks a call forever (there is no callback during
/// ref listing through which to cancel).
/// </summary>
internal static class LibGit2Options
{
    // include/git2/common.h (libgit2 1.8), enum git_libgit2_opt_t.
    private const int SetServerConnectTimeout = 39;
    private const int SetServerTimeout = 41;

    private static readonly Lock Gate = new();
    private static SetIntOption? _setOption;
    private static (int Connect, int Idle) _applied = (-1, -1);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SetIntOption(int option, int value);

    /// <summary>Sets libgit2's connect and read/write timeouts (process-wide) when they differ from the last ones set.</summary>
    public static void ApplyTimeouts(GitNetworkTimeouts timeouts)
    {
        var wanted = (Millis(timeouts.Connect), Millis(timeouts.Idle));
        lock (Gate)
        {
            if (wanted == _applied)
            {
                return;
            }
            var set = _setOption ??= Load();
            // git_libgit2_opts is variadic; on the 64-bit System V and AAPCS64 ABIs, int arguments
            // travel exactly as for a fixed signature (LibGit2Sharp calls it the same way).
            Check(set(SetServerConnectTimeout, wanted.Item1), "server connect timeout");
            Check(set(SetServerTimeout, wanted.Item2), "server timeout");
            _applied = wanted;
        }
    }

    private static SetIntOption Load()
    {
        // Resolve the library through LibGit2Sharp's own resolver, so this is the copy it loaded.
        _ = GlobalSettings.Version;
        var name = "git2-" + GlobalSettings.Version.LibGit2CommitSha;
        var handle = NativeLibrary.Load(name, typeof(Repository).Assembly, null);
        var export = NativeLibrary.GetExport(handle, "git_libgit2_opts");
        return Marshal.GetDelegateForFunctionPointer<SetIntOption>(export);
    }

    private static void Check(int result, string what)
    {
        if (result < 0)
        {
            throw new InvalidOperationException($"libgit2 refused to set its {what} (error {result})");
        }
    }

    private static int Millis(TimeSpan t) => (int)Math.Clamp(t.TotalMilliseconds, 1, int.MaxValue);
}
