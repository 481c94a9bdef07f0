namespace Reconciler.State;

/// <summary>Where and how <see cref="SqliteStateStore"/> keeps its database.</summary>
public sealed record SqliteStateStoreOptions
{
    /// <summary>The database's file name inside <see cref="StateDirectory"/>.</summary>
    public const string DatabaseFileName = "state.db";

    /// <summary>The daemon's <c>state_dir</c>; created if missing.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>How long a write waits for another writer (another loop, another process) before giving up.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Called whenever a damaged database is moved aside, whether found at open or later; the
    /// host logs it. (<see cref="StateStoreOpened.Recovery"/> reports the one found at open too.)
    /// </summary>
    public Action<CorruptDatabaseRecovery>? OnCorruptDatabaseRecovered { get; init; }
}
