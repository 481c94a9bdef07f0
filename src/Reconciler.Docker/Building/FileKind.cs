using System.Runtime.InteropServices;

namespace Reconciler.Docker.Building;

/// <summary>
/// Whether a path is a regular file, which .NET does not say: a FIFO or a device looks like a file to
/// it, and reading one into a build context may never end. <c>statx(2)</c> without following a final link.
/// </summary>
internal static class FileKind
{
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int ModeTypeMask = 0xF000, ModeRegular = 0x8000;

    /// <summary>True for a regular file; off Linux (no statx), whatever .NET calls a file.</summary>
    public static bool IsRegular(string path)
    {
        if (!OperatingSystem.IsLinux()) return File.Exists(path);
        var record = new byte[256];
        if (Native.Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, record) != 0) return false;
        // struct statx: stx_mode is the u16 at offset 28 on every architecture.
        return (MemoryMarshal.Read<ushort>(record.AsSpan(28)) & ModeTypeMask) == ModeRegular;
    }

    private static class Native
    {
        [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
        public static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] record);
    }
}
