namespace Reconciler.State;

/// <summary>Why the state store could not be used, for callers that count failures by cause.</summary>
public enum StateStoreFailure
{
    /// <summary>The state directory or the database file cannot be written (read-only filesystem, permissions, immutable).</summary>
    ReadOnly,
    /// <summary>No space left on the device.</summary>
    DiskFull,
    /// <summary>The database or its directory could not be opened or created.</summary>
    CannotOpen,
    /// <summary>Another connection held the database locked for longer than the busy timeout.</summary>
    Busy,
    /// <summary>The operating system reported an I/O error.</summary>
    IoError,
    /// <summary>The database was damaged and could not be moved aside.</summary>
    Corrupt,
    /// <summary>The database was written by a newer reconciler; this one will not touch it.</summary>
    NewerSchema,
    /// <summary>Anything else SQLite refused.</summary>
    Other,
}
