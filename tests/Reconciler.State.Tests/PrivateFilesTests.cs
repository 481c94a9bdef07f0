namespace Reconciler.State.Tests;

/// <summary>
/// The state directory 0700 and the database files 0600 whatever the umask: checked on files made
/// wider than any umask would (modes set after creating them), and on a fresh store, which the test
/// process creates under its usual umask (022) that would leave them 0755 and 0644.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrivateFilesTests : IDisposable
{
    private readonly TempStateDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    private static string ModeOf(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);

    [Fact]
    public async Task A_new_store_makes_its_directory_0700_and_the_database_and_its_log_0600()
    {
        var fresh = Path.Combine(_directory.Path, "fresh");
        using var store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = fresh }, new ManualTimeProvider());

        await store.UpdateStackAsync("web", (s, _) => s.Attempting("c1"), CancellationToken.None);

        Assert.Equal("700", ModeOf(fresh));
        var database = Path.Combine(fresh, SqliteStateStoreOptions.DatabaseFileName);
        Assert.True(File.Exists(database + "-wal") && File.Exists(database + "-shm"), "a write in WAL mode leaves its log open");
        foreach (var file in new[] { database, database + "-wal", database + "-shm" })
            Assert.Equal("600", ModeOf(file));
    }

    [Fact]
    public async Task A_state_directory_and_database_files_open_to_everyone_are_narrowed_when_opened()
    {
        using (var first = _directory.OpenStore())
        {
            await first.UpdateStackAsync("web", (s, _) => s.Attempting("c1"), CancellationToken.None);
        }
        File.SetUnixFileMode(_directory.Path, Mode("777"));
        foreach (var file in Directory.GetFiles(_directory.Path))
            File.SetUnixFileMode(file, Mode("666"));
        Assert.Contains(Directory.GetFiles(_directory.Path), f => f.EndsWith("state.db", StringComparison.Ordinal));

        using var reopened = _directory.OpenStore();
        await reopened.OpenAsync(CancellationToken.None);

        Assert.Equal("700", ModeOf(_directory.Path));
        Assert.All(Directory.GetFiles(_directory.Path, "state.db*"), f => Assert.Equal("600", ModeOf(f)));
        Assert.Equal("c1", (await reopened.GetStackAsync("web", CancellationToken.None))!.LastAttemptedCommit);
    }

    [Fact]
    public async Task A_database_recreated_after_damage_is_0600_too()
    {
        await File.WriteAllTextAsync(_directory.DatabasePath, string.Concat(Enumerable.Repeat("not a database\n", 300)));
        File.SetUnixFileMode(_directory.DatabasePath, Mode("644"));
        using var store = _directory.OpenStore();

        var opened = await store.OpenAsync(CancellationToken.None);

        Assert.NotNull(opened.Recovery);
        Assert.Equal("600", ModeOf(_directory.DatabasePath));
    }

    [Fact]
    public void The_lock_file_is_0600_and_its_directory_0700()
    {
        File.SetUnixFileMode(_directory.Path, Mode("755"));

        using var held = StateDirectoryLock.Acquire(_directory.Path);

        Assert.Equal("600", ModeOf(held.LockPath));
        Assert.Equal("700", ModeOf(_directory.Path));
    }

    [Fact]
    public void Narrowing_never_widens_a_directory_made_read_only_on_purpose()
    {
        var readOnly = Directory.CreateDirectory(Path.Combine(_directory.Path, "ro")).FullName;
        File.SetUnixFileMode(readOnly, Mode("555"));

        Assert.True(PrivateFiles.EnsureDirectory(readOnly));

        Assert.Equal("500", ModeOf(readOnly));
        File.SetUnixFileMode(readOnly, Mode("700")); // so that the temp directory can be removed
    }
}
