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

    private sealed class Undo(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
