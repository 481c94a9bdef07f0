using Microsoft.Data.Sqlite;

namespace Reconciler.State.Tests;

public sealed class SchemaMigrationTests : IDisposable
{
    private readonly TempStateDirectory _directory = new();

    private static readonly int Latest = SchemaMigrations.All[^1].Version;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task An_empty_file_is_migrated_to_the_latest_schema_and_switched_to_write_ahead_logging()
    {
        await File.WriteAllBytesAsync(_directory.DatabasePath, []);
        using var store = _directory.OpenStore();

        var opened = await store.OpenAsync(CancellationToken.None);
        await store.UpdateStackAsync("web", (state, _) => state.Attempting("c1"), CancellationToken.None);

        Assert.Equal(0, opened.PreviousSchemaVersion);
        Assert.Equal(Latest, opened.SchemaVersion);
        Assert.Null(opened.Recovery);
        Assert.Equal("wal", Scalar(_directory.DatabasePath, "PRAGMA journal_mode"));
        Assert.Equal((long)Latest, Scalar(_directory.DatabasePath, "SELECT version FROM schema_version"));
        Assert.Equal(1L, Scalar(_directory.DatabasePath, "SELECT count(*) FROM schema_version"));
    }

    [Fact]
    public async Task A_later_migration_adds_its_column_and_keeps_the_rows_written_before_it()
    {
        using (var current = _directory.OpenStore())
        {
            await current.UpdateStackAsync("web", (state, _) => state.Attempting("c1"), CancellationToken.None);
        }
        var next = Latest + 1;
        IReadOnlyList<SchemaMigration> withNext =
            [.. SchemaMigrations.All, new SchemaMigration(next, "stack notes", ["ALTER TABLE stacks ADD COLUMN note TEXT NOT NULL DEFAULT ''"])];

        using var upgraded = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = _directory.Path }, new ManualTimeProvider(), withNext);
        var opened = await upgraded.OpenAsync(CancellationToken.None);

        Assert.Equal((Latest, next), (opened.PreviousSchemaVersion, opened.SchemaVersion));
        Assert.True(opened.Migrated);
        Assert.Equal("c1", (await upgraded.GetStackAsync("web", CancellationToken.None))!.LastAttemptedCommit);
        Assert.Equal("", Scalar(_directory.DatabasePath, "SELECT note FROM stacks WHERE name = 'web'"));
        Assert.Equal((long)next, Scalar(_directory.DatabasePath, "SELECT version FROM schema_version"));
    }

    [Fact]
    public async Task A_version_1_database_gains_last_pulled_and_keeps_its_stacks()
    {
        // The schema as the first release wrote it, with a row as that release wrote it.
        using (var version1 = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = _directory.Path }, new ManualTimeProvider(), [SchemaMigrations.All[0]]))
        {
            await version1.OpenAsync(CancellationToken.None);
        }
        Execute(_directory.DatabasePath, """
            INSERT INTO stacks (name, last_applied_commit, last_good_commit, last_good_images, sync_status, failed_commits, updated_at)
            VALUES ('web', 'c1', 'c1', '{"app":"sha256:1"}', 'synced', '["bad"]', '2026-11-25T12:00:00.0000000Z')
            """);

        using var store = _directory.OpenStore();
        var opened = await store.OpenAsync(CancellationToken.None);
        var kept = (await store.GetStackAsync("web", CancellationToken.None))!;

        Assert.Equal((1, Latest), (opened.PreviousSchemaVersion, opened.SchemaVersion));
        Assert.Equal("c1", kept.LastAppliedCommit);
        Assert.Equal("sha256:1", kept.LastGoodImages["app"]);
        Assert.True(kept.IsFailedCommit("bad"));
        Assert.Equal(SyncStatus.Synced, kept.SyncStatus);
        Assert.Empty(kept.LastPulled);

        var pulledAt = new DateTimeOffset(2026, 11, 25, 13, 0, 0, TimeSpan.Zero);
        await store.UpdateStackAsync("web", (state, _) => state.Pulled(["app:1.0"], pulledAt), CancellationToken.None);
        Assert.Equal(pulledAt, (await store.GetStackAsync("web", CancellationToken.None))!.LastPulled["app:1.0"]);
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
        Assert.Throws<ArgumentException>(() => SchemaMigrations.Validate([.. SchemaMigrations.All, new SchemaMigration(Latest + 2, "gap", [])]));
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
