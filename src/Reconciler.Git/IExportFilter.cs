namespace Reconciler.Git;

/// <summary>What an <see cref="IExportFilter"/> writes instead of a blob: other bytes, with their own mode.</summary>
public sealed record FilteredContent(byte[] Content, UnixFileMode Mode);

/// <summary>
/// Lets the export write something else than a file's blob (the daemon writes decrypted sops
/// files this way). It is asked about every file the export compares or writes; an exception
/// from it fails the export before anything is committed, so the previous export stays as it was.
/// </summary>
public interface IExportFilter
{
    /// <summary>Part of the export's marker: the same commit exported with another filter is exported again.</summary>
    string Name { get; }

    /// <summary>Null: write the blob as it is.</summary>
    /// <param name="treePath">The file's path in the exported tree.</param>
    /// <param name="size">The blob's size, so large files can be passed over without reading them.</param>
    /// <param name="read">The blob's bytes.</param>
    FilteredContent? Filter(string treePath, long size, Func<byte[]> read);
}
