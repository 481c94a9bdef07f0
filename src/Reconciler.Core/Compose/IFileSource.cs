namespace Reconciler.Core.Compose;

/// <summary>
/// Where the loader reads files from: the disk for the CLI, a git commit's tree for the daemon.
/// The only way the core touches files, so loading stays testable and free of I/O choices.
/// </summary>
public interface IFileSource
{
    /// <summary>The file's text, or null when it does not exist.</summary>
    string? ReadText(string path);

    /// <summary>The file's bytes (for hashing bind-mounted files), or null when absent or not a file.</summary>
    byte[]? ReadBytes(string path);

    bool FileExists(string path);
    bool DirectoryExists(string path);

    /// <summary>Files under a directory, recursively, as full paths; empty when absent.</summary>
    IEnumerable<string> ListFiles(string directory);

    /// <summary>
    /// Null when the loader may read (or hand to the engine) the file at <paramref name="path"/>;
    /// otherwise a short reason for the diagnostic ("resolves outside the stack's repository").
    /// The daemon confines a stack to its rendered repo tree; the CLI reads what its user can.
    /// </summary>
    string? Refusal(string path) => null;

    /// <summary>
    /// The file's size in bytes when the source knows it without reading the file, else null.
    /// The loader checks it against <see cref="LoadLimits.MaxFileBytes"/> before reading, so a
    /// huge file is refused without being loaded into memory; with null it checks after reading.
    /// </summary>
    long? FileLength(string path) => null;
}
