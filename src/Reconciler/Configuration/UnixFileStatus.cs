using System.Runtime.InteropServices;

namespace Reconciler.Configuration;

/// <summary>
/// A file's owner and permission bits, which .NET does not expose together: <c>statx(2)</c>, whose
/// record has one layout on every Linux architecture (unlike <c>struct stat</c>).
/// </summary>
internal sealed record UnixFileStatus(uint OwnerId, UnixFileMode Mode, bool IsDirectory)
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1, StatxMode = 0x2, StatxUid = 0x8, StatxSize = 0x200;
    private const int ModeTypeMask = 0xF000, ModeDirectory = 0x4000, ModeRegular = 0x8000;

    /// <summary>A regular file: not a directory, device, FIFO or socket (reading /dev/zero never ends).</summary>
    public bool IsRegularFile { get; init; }

    /// <summary>Size in bytes (<c>stx_size</c>).</summary>
    public long Size { get; init; }

    /// <summary>The file's status after following symlinks, or null when it cannot be read (not Linux, no such file).</summary>
    public static UnixFileStatus? Of(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        // struct statx: u32 stx_mask, u32 stx_blksize, u64 stx_attributes, u32 stx_nlink, u32 stx_uid,
        // u32 stx_gid, u16 stx_mode, … (256 bytes in all).
        var record = new byte[256];
        if (Native.Statx(AtFdCwd, path, 0, StatxType | StatxMode | StatxUid | StatxSize, record) != 0) return null;
        var uid = MemoryMarshal.Read<uint>(record.AsSpan(20));
        var mode = MemoryMarshal.Read<ushort>(record.AsSpan(28));
        return new UnixFileStatus(uid, (UnixFileMode)(mode & 0xFFF), (mode & ModeTypeMask) == ModeDirectory)
        {
            IsRegularFile = (mode & ModeTypeMask) == ModeRegular,
            Size = (long)MemoryMarshal.Read<ulong>(record.AsSpan(40)),
        };
    }

    /// <summary>The user this process acts as (<c>geteuid(2)</c>); null off Linux.</summary>
    public static uint? EffectiveUserId => OperatingSystem.IsLinux() ? Native.GetEffectiveUserId() : null;

    private static class Native
    {
        [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
        public static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] record);

        [DllImport("libc", EntryPoint = "geteuid")]
        public static extern uint GetEffectiveUserId();
    }
}
