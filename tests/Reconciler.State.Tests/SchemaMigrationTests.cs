using Microsoft.Data.Sqlite;

namespace Reconciler.State.Tests;

public sealed class SchemaMigrationTests : IDisposable
{
    private readonly TempStateDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task An_empty_file_is_migrated_to_the_latest_schema_and_switched_to_write_ahead_logging()
    {
        await File.WriteAllBytesAsync(_directory.DatabasePath, []);
        using var store = _directory.OpenStore();

        var opened = await store.OpenAsync(CancellationToken.None);
        await store.UpdateStackAsync("web", (state, _) => state.Attempting("c1"), CancellationToken.None);

        Assert.Equal(0, opened.PreviousSchemaVersion);
        Assert.Equal(1, opened.SchemaVersion);
        Assert.Null(opened.Recovery);
        Assert.Equal("wal", Scalar(_directory.DatabasePath, "PRAGMA journal_mode"));
        Assert.Equal(1L, Scalar(_directory.DatabasePath, "SELECT version FROM schema_version"));
        Assert.Equal(1L, Scalar(_directory.DatabasePath, "SELECT count(*) FROM schema_version"));
    }

    [Fact]
    public async Task A_later_migration_adds_its_column_and_keeps_the_rows_written_before_it()
    {
        using (var version1 = _directory.OpenStore())
        {
            await version1.UpdateStackAsync("web", (state, _) => state.Attempting("c1"), CancellationToken.None);
        }
        IReadOnlyList<SchemaMigration> withVersion2 =
            [.. SchemaMigrations.All, new SchemaMigration(2, "stack notes", ["ALTER TABLE stacks ADD COLUMN note TEXT NOT NULL DEFAULT ''"])];

        using var version2 = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = _directory.Path }, new ManualTimeProvider(), withVersion2);
        var opened = await version2.OpenAsync(CancellationToken.None);

        Assert.Equal((1, 2), (opened.PreviousSchemaVersion, opened.SchemaVersion));
        Assert.True(opened.Migrated);
        Assert.Equal("c1", (await version2.GetStackAsync("web", CancellationToken.None))!.LastAttemptedCommit);
        Assert.Equal("", Scalar(_directory.DatabasePath, "SELECT note FROM stacks WHERE name = 'web'"));
        Assert.Equal(2L, Scalar(_directory.DatabasePath, "SELECT version FROM schema_version"));
    }

    [Fact]
    public async Task A_database_from_a_newer_reconciler_is_refused_and_left_alone()
    {
        using (var store = _directory.OpenStore())
        {
            await store.OpenAsync(CancellationToken.None);
        }
        Execute(_directory.DatabasePath, "UPDATE schema_version SET version = 7");
        using var older = _directory.OpenStore();

        var refused = await Assert.ThrowsAsync<StateStoreUnavailableException>(() => older.GetStackAsync("web", CancellationToken.None));

        Assert.Equal(StateStoreFailure.NewerSchema, refused.Failure);
        Assert.Contains("schema version 7", refused.Message);
        Assert.Equal(7L, Scalar(_directory.DatabasePath, "SELECT version FROM schema_version"));
        Assert.Empty(Directory.GetFiles(_directory.Path, "state.db.corrupt-*"));
    }

    [Fact]
    public void Migration_versions_must_run_from_one_without_gaps()
    {
        Assert.Throws<ArgumentException>(() => SchemaMigrations.Validate([.. SchemaMigrations.All, new SchemaMigration(3, "gap", [])]));
        Assert.Throws<ArgumentException>(() => SchemaMigrations.Validate([]));
    }

    internal static object? Scalar(string databasePath, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    internal static void Execute(string databasePath, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
