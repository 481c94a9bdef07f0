namespace Reconciler.State.Tests;

/// <summary>
/// A state directory that cannot be written must not stop the daemon: writes throw
/// <see cref="StateStoreUnavailableException"/> naming the path and the cause, and the same store
/// works again once the directory does. These use the real failures, so they need root: a
/// read-only bind mount (EROFS), the immutable attribute (EPERM even for root), and a full tmpfs
/// (ENOSPC).
/// </summary>
public sealed class UnavailableStoreTests : IDisposable
{
    private readonly TempStateDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Writes_to_a_state_directory_on_a_read_only_mount_throw_unavailable_naming_the_path_and_the_cause()
    {
        using (var before = _directory.OpenStore())
        {
            await before.UpdateStackAsync("web", (state, _) => state.Attempting("c1"), CancellationToken.None);
        }
        using var store = _directory.OpenStore();
        StateStoreUnavailableException refused;
        using (ReadOnlyBindMount(_directory.Path))
        {
            refused = await Assert.ThrowsAsync<StateStoreUnavailableException>(() =>
                store.UpdateStackAsync("web", (state, _) => state.Attempting("c2"), CancellationToken.None));
            store.ReleaseConnections();
        }

        Assert.Equal(StateStoreFailure.ReadOnly, refused.Failure);
        Assert.Equal(_directory.DatabasePath, refused.DatabasePath);
        Assert.StartsWith($"state store {_directory.DatabasePath}: update stack 'web' failed: the state directory {_directory.Path} is on a read-only file system", refused.Message);

        // Writable again: the same instance carries on without a restart.
        await store.UpdateStackAsync("web", (state, _) => state.Attempting("c2"), CancellationToken.None);
        Assert.Equal("c2", (await store.GetStackAsync("web", CancellationToken.None))!.LastAttemptedCommit);
    }

    [Fact]
    public async Task A_new_store_in_an_immutable_state_directory_throws_unavailable_and_moves_nothing_aside()
    {
        using var store = _directory.OpenStore();
        StateStoreUnavailableException refused;
        using (Immutable(_directory.Path))
        {
            refused = await Assert.ThrowsAsync<StateStoreUnavailableException>(() =>
                store.StartDeploymentAsync(new DeploymentStart("web", "c1", DeploymentTrigger.Startup), CancellationToken.None));
        }

        Assert.Equal(StateStoreFailure.ReadOnly, refused.Failure);
        Assert.Contains($"the state directory {_directory.Path} is not writable", refused.Message);
        Assert.Empty(Directory.GetFiles(_directory.Path));
        await store.StartDeploymentAsync(new DeploymentStart("web", "c1", DeploymentTrigger.Startup), CancellationToken.None);
    }

    [Fact]
    public async Task Writes_on_a_full_disk_throw_unavailable_and_succeed_once_space_returns()
    {
        using var mount = Tmpfs(_directory.Path, "512k");
        using var store = _directory.OpenStore();
        await store.UpdateStackAsync("web", (state, _) => state.Attempting("c1"), CancellationToken.None);
        var filler = Path.Combine(_directory.Path, "filler");
        FillDisk(filler);

        var refused = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () =>
        {
            // The write-ahead log has some slack; writing enough fills it.
            for (var i = 0; i < 100; i++)
            {
                await store.UpdateStackAsync("web", (state, _) => state.OutOfSync(new string('d', 4000) + i), CancellationToken.None);
            }
        });

        Assert.Equal(StateStoreFailure.DiskFull, refused.Failure);
        Assert.Contains("no space left on the device", refused.Message);
        Assert.Contains(_directory.DatabasePath, refused.Message);
        Assert.Equal("c1", (await store.GetStackAsync("web", CancellationToken.None))!.LastAttemptedCommit);

        File.Delete(filler);
        await store.UpdateStackAsync("web", (state, _) => state.Attempting("c2"), CancellationToken.None);
        Assert.Equal("c2", (await store.GetStackAsync("web", CancellationToken.None))!.LastAttemptedCommit);
        store.ReleaseConnections();
    }

    [Fact]
    public async Task Writes_succeed_again_once_an_immutable_database_is_writable_without_anyone_releasing_connections()
    {
        using var store = _directory.OpenStore();
        await store.UpdateStackAsync("web", (state, _) => state.Attempting("c1"), CancellationToken.None);
        // Not state.db-shm: SQLite maps it into memory, and a write fault on an immutable file's page is SIGBUS.
        string[] files = [_directory.Path, .. new[] { _directory.DatabasePath, _directory.DatabasePath + "-wal" }.Where(File.Exists)];
        using (ImmutableAll(files))
        {
            // Connections opened from now on are read-only ones (SQLite falls back to read-only when it cannot open for writing).
            store.ReleaseConnections();
            await Assert.ThrowsAsync<StateStoreUnavailableException>(() =>
                store.UpdateStackAsync("web", (state, _) => state.Attempting("c2"), CancellationToken.None));
            // Reads still work meanwhile, and leave a read-only connection in the pool.
            Assert.Equal("c1", (await store.GetStackAsync("web", CancellationToken.None))!.LastAttemptedCommit);
        }

        // A pooled connection that met the read-only file must not keep failing every later write.
        await store.UpdateStackAsync("web", (state, _) => state.Attempting("c2"), CancellationToken.None);
        Assert.Equal("c2", (await store.GetStackAsync("web", CancellationToken.None))!.LastAttemptedCommit);
    }

    [Fact]
    public async Task A_store_opened_on_a_read_only_mount_still_reads_what_was_stored_and_refuses_writes()
    {
        using (var before = _directory.OpenStore())
        {
            await before.UpdateStackAsync("web", (state, _) => state.Failed(new StackError("crashed") { Commit = "bad" }, DeploymentResult.RolledBack, blockCommit: true), CancellationToken.None);
            await before.RecordFetchAsync("origin", "bad", CancellationToken.None);
            var d = await before.StartDeploymentAsync(new DeploymentStart("web", "bad", DeploymentTrigger.Poll), CancellationToken.None);
            await before.FinishDeploymentAsync(d.Id, new DeploymentFinish(DeploymentResult.RolledBack, 1, "crashed"), CancellationToken.None);
        }
        Assert.Equal("state.db", string.Join(",", Directory.GetFiles(_directory.Path).Select(Path.GetFileName).Order()));
        using (ReadOnlyBindMount(_directory.Path))
        {
            // A new process (the daemon restarted): in write-ahead-log mode SQLite cannot open the file
            // for reading on a read-only directory, so the store reads it as an immutable file.
            using var store = _directory.OpenStore();
            var state = await store.GetStackAsync("web", CancellationToken.None);
            Assert.NotNull(state);
            Assert.True(state.IsFailedCommit("bad"));
            Assert.Single(await store.ListStacksAsync(CancellationToken.None));
            Assert.Equal("bad", (await store.GetRepoAsync("origin", CancellationToken.None))!.HeadCommit);
            Assert.Equal(DeploymentResult.RolledBack,
                Assert.Single((await store.ListDeploymentsAsync(new DeploymentQuery { Stack = "web" }, CancellationToken.None)).Deployments).Result);

            var refused = await Assert.ThrowsAsync<StateStoreUnavailableException>(() =>
                store.UpdateStackAsync("web", (s, _) => s.Attempting("c3"), CancellationToken.None));
            Assert.Equal(StateStoreFailure.ReadOnly, refused.Failure);
            store.ReleaseConnections();
        }
    }

    private static void FillDisk(string path)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                file.Write(block);
                file.Flush();
            }
        }
        catch (IOException)
        {
            // ENOSPC: full.
        }
    }

    private static Undo ReadOnlyBindMount(string directory)
    {
        HostCommand.Run("mount", "--bind", directory, directory);
        try
        {
            HostCommand.Run("mount", "-o", "remount,ro,bind", directory);
        }
        catch
        {
            HostCommand.Run("umount", directory);
            throw;
        }
        return new Undo(() => HostCommand.Run("umount", "--lazy", directory));
    }

    private static Undo Tmpfs(string directory, string size)
    {
        HostCommand.Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", directory);
        return new Undo(() => HostCommand.Run("umount", "--lazy", directory));
    }

    private static Undo Immutable(string directory)
    {
        HostCommand.Run("chattr", "+i", directory);
        return new Undo(() => HostCommand.Run("chattr", "-i", directory));
    }

    private static Undo ImmutableAll(string[] paths)
    {
        HostCommand.Run("chattr", ["+i", .. paths]);
        return new Undo(() => HostCommand.Run("chattr", ["-i", .. paths]));
    }

    private sealed class Undo(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
