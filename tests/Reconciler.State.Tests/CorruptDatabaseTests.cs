namespace Reconciler.State.Tests;

public sealed class CorruptDatabaseTests : IDisposable
{
    private readonly TempStateDirectory _directory = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 18, 47, 5, TimeSpan.Zero));

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_file_that_is_not_a_database_is_moved_aside_and_a_fresh_one_started()
    {
        var garbage = "this is not SQLite, it is a text file that someone put here by mistake\n"u8.ToArray();
        await File.WriteAllBytesAsync(_directory.DatabasePath, Enumerable.Repeat(garbage, 100).SelectMany(b => b).ToArray());
        var reported = new List<CorruptDatabaseRecovery>();
        using var store = _directory.OpenStore(_time, reported.Add);

        var opened = await store.OpenAsync(CancellationToken.None);

        var recovery = Assert.IsType<CorruptDatabaseRecovery>(opened.Recovery);
        var movedTo = _directory.DatabasePath + ".corrupt-20261125T184705Z";
        Assert.Equal(new CorruptDatabaseRecovery(_directory.DatabasePath, movedTo, recovery.Reason, _time.GetUtcNow()), recovery);
        Assert.Contains("file is not a database", recovery.Reason);
        Assert.Equal([recovery], reported);
        Assert.Equal(garbage, (await File.ReadAllBytesAsync(movedTo))[..garbage.Length]);
        Assert.Null(await store.GetStackAsync("web", CancellationToken.None));
        await store.UpdateStackAsync("web", (state, _) => state.Attempting("c1"), CancellationToken.None);
        Assert.Equal("c1", (await store.GetStackAsync("web", CancellationToken.None))!.LastAttemptedCommit);
    }

    [Fact]
    public async Task A_database_with_damaged_pages_is_found_by_the_integrity_check_and_moved_aside()
    {
        using (var store = _directory.OpenStore(_time))
        {
            for (var i = 0; i < 200; i++)
            {
                await store.StartDeploymentAsync(new DeploymentStart("web", $"commit-{i}", DeploymentTrigger.Poll) { Subject = new string('s', 200) }, CancellationToken.None);
            }
        }
        // Keep the header (page 1) valid so SQLite opens the file; scribble over the pages after it.
        await using (var file = new FileStream(_directory.DatabasePath, FileMode.Open, FileAccess.Write))
        {
            Assert.True(file.Length > 8192, "the database should span several pages");
            file.Position = 4096;
            file.Write(Enumerable.Repeat((byte)0xA5, (int)file.Length - 4096).ToArray());
        }
        var reported = new List<CorruptDatabaseRecovery>();
        using var reopened = _directory.OpenStore(_time, reported.Add);

        var page = await reopened.ListDeploymentsAsync(new DeploymentQuery { Stack = "web" }, CancellationToken.None);

        Assert.Empty(page.Deployments);
        var recovery = Assert.Single(reported);
        Assert.True(File.Exists(recovery.MovedTo));
        Assert.Contains("database disk image is malformed", recovery.Reason);
    }

    [Fact]
    public async Task Damage_found_while_running_moves_the_file_aside_once_and_the_read_goes_on()
    {
        var reported = new List<CorruptDatabaseRecovery>();
        using var store = _directory.OpenStore(_time, reported.Add);
        await store.UpdateStackAsync("web", (state, _) => state.Attempting("c1"), CancellationToken.None);
        store.ReleaseConnections();
        await File.WriteAllBytesAsync(_directory.DatabasePath, Enumerable.Repeat((byte)'x', 8192).ToArray());
        File.Delete(_directory.DatabasePath + "-wal");
        File.Delete(_directory.DatabasePath + "-shm");

        var reads = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => store.GetStackAsync("web", CancellationToken.None)));

        Assert.All(reads, Assert.Null);
        var recovery = Assert.Single(reported);
        Assert.Single(Directory.GetFiles(_directory.Path, "state.db.corrupt-*"));
        Assert.Contains("not a database", recovery.Reason);
    }

    [Fact]
    public async Task A_second_recovery_in_the_same_second_gets_its_own_name()
    {
        await File.WriteAllTextAsync(_directory.DatabasePath, new string('x', 4096));
        using (var first = _directory.OpenStore(_time))
        {
            await first.OpenAsync(CancellationToken.None);
        }
        await File.WriteAllTextAsync(_directory.DatabasePath, new string('y', 4096));
        File.Delete(_directory.DatabasePath + "-wal");
        File.Delete(_directory.DatabasePath + "-shm");
        using var second = _directory.OpenStore(_time);

        var opened = await second.OpenAsync(CancellationToken.None);

        Assert.Equal(_directory.DatabasePath + ".corrupt-20261125T184705Z-2", opened.Recovery!.MovedTo);
    }
}
