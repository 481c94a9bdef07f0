namespace Reconciler.State;

/// <summary>What opening the store found and did.</summary>
/// <param name="DatabasePath">The database file.</param>
/// <param name="SchemaVersion">The schema version now.</param>
/// <param name="PreviousSchemaVersion">The schema version found (0 for a new or empty file).</param>
/// <param name="Recovery">Set when a damaged database was moved aside.</param>
public sealed record StateStoreOpened(string DatabasePath, int SchemaVersion, int PreviousSchemaVersion, CorruptDatabaseRecovery? Recovery)
{
    public bool Migrated => SchemaVersion != PreviousSchemaVersion;
}
