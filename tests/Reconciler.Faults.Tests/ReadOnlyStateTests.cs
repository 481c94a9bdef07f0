using Reconciler.Faults.Tests.Infrastructure;

namespace Reconciler.Faults.Tests;

/// <summary>
/// Issue 7 §5: the disk of state_dir read-only. Real failures, so root is needed (as for
/// tests/Reconciler.State.Tests): the immutable attribute on state_dir and the database files
/// while the daemon runs (EPERM on every write), and the daemon restarted on a read-only bind
/// mount of state_dir (EROFS on every open for writing).
/// </summary>
public sealed class ReadOnlyStateTests(ITestOutputHelper output)
{
    public enum Fault { ImmutableWhileRunning, ReadOnlyMountAtStart }

    [Theory]
    [InlineData(Fault.ImmutableWhileRunning)]
    [InlineData(Fault.ReadOnlyMountAtStart)]
    public async Task With_a_read_only_state_dir_the_daemon_keeps_converging_an_rm_f_is_repaired_and_the_state_error_is_logged(Fault fault)
    {
        await using var s = await Scenario.CreateAsync(output);
        Svc[] Stack(string image) => [new Svc("web", image) { Command = Compose.Httpd, Data = true }, new Svc("worker", image)];
        var first = await s.CommitComposeAsync("1.0", Compose.File(Stack(DockerCli.Image10)));
        var daemon = s.StartDaemon();
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image10, ["worker"] = DockerCli.Image10 }, first);
        var token = await s.WriteTokenAsync("web");
        await s.WaitSettledAsync(first);

        if (fault == Fault.ImmutableWhileRunning)
        {
            await MakeImmutableAsync(s);
        }
        else
        {
            await daemon.StopAsync();
            await ReadOnlyBindMountAsync(s);
            daemon.Start();
        }
        var logStart = s.Log.Text.Length;

        // A container removed by hand is still repaired.
        var worker = await s.ServiceContainerAsync("worker");
        s.Note("docker rm -f " + worker.Name);
        await s.Docker.OkAsync("rm", "-f", worker.Name);
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image10, ["worker"] = DockerCli.Image10 }, first, TimeSpan.FromSeconds(60));
        Assert.NotEqual(worker.Id, (await s.ServiceContainerAsync("worker")).Id);
        await s.WaitAsync("the state error in the log", () => Task.FromResult(
            s.Log.Text[logStart..].Contains("state store unavailable", StringComparison.Ordinal) &&
            s.Log.Text[logStart..].Contains(s.StateDir, StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        Assert.True(daemon.Running, "the daemon exited");

        if (fault == Fault.ImmutableWhileRunning)
        {
            // The mirror and the rendered tree are elsewhere in state_dir: new commits still deploy.
            var next = await s.CommitComposeAsync("1.1", Compose.File(Stack(DockerCli.Image11)));
            await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image11, ["worker"] = DockerCli.Image11 }, next, TimeSpan.FromSeconds(60));
        }
        await s.AssertTokenAsync(token);

        // Writable again: the daemon records again without a restart.
        s.Note("state_dir writable again");
        await s.UndoAsync();
        var writable = s.Log.Text.Length;
        var last = await s.CommitComposeAsync("2.0", Compose.File(Stack(DockerCli.Image20)));
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image20, ["worker"] = DockerCli.Image20 }, last, TimeSpan.FromSeconds(60));
        try
        {
            await s.WaitAsync("status records the commit once state_dir is writable again",
                async () => (await daemon.StatusAsync()).Contains($"deployed:  {last[..12]}"), TimeSpan.FromSeconds(60));
        }
        catch (Xunit.Sdk.XunitException e)
        {
            var lastError = s.Log.Text[writable..].Split('\n').LastOrDefault(l => l.Contains("state store unavailable", StringComparison.Ordinal))?.Trim();
            throw new Xunit.Sdk.XunitException($"state_dir has been writable again for a minute, but the store still fails: {lastError}\n{e.Message}");
        }
        await s.AssertTokenAsync(token);
    }

    [Fact]
    public async Task With_an_immutable_state_dir_a_crashing_commit_is_rolled_back_once_and_not_retried_on_every_drift_tick()
    {
        await using var s = await Scenario.CreateAsync(output);
        var good = await s.CommitComposeAsync("1.0", Compose.File(new Svc("web", DockerCli.Image10) { Command = Compose.Httpd, Data = true }));
        var daemon = s.StartDaemon();
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image10 }, good);
        var token = await s.WriteTokenAsync("web");
        await s.WaitSettledAsync(good);
        await MakeImmutableAsync(s);

        var bad = await s.CommitComposeAsync("2.0 that crashes", Compose.File(new Svc("web", DockerCli.Image20) { Command = Compose.ExitAtOnce, Data = true }));
        await s.WaitAsync("the first rollback", () => Task.FromResult(s.Log.Count("rolling back to the last good commit") >= 1), TimeSpan.FromSeconds(60));
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image10 }, good);
        var rolledBack = await s.ServiceContainerAsync("web");

        // Three more passes: the bad commit must be held, not redeployed.
        await s.WaitForMorePassesAsync(3);
        var deploysOfBad = s.Log.Count($"commit={bad[..12]} action=");
        var rollbacks = s.Log.Count("rolling back to the last good commit");
        var now = await s.ServiceContainerAsync("web");
        await s.UndoAsync();
        await s.AssertTokenAsync(token);
        await s.AssertAsync(rollbacks == 1 && deploysOfBad == 1 && now.Id == rolledBack.Id,
            $"with the state store unwritable the failed commit {bad[..12]} is forgotten and redeployed on every drift tick: " +
            $"{deploysOfBad} deploys of it and {rollbacks} rollbacks in three passes, the service going down each time " +
            $"(container {rolledBack.ShortId} after the first rollback, {now.ShortId} now)");
    }

    [Fact]
    public async Task With_the_state_dir_read_only_at_restart_and_a_rolled_back_commit_at_the_head_the_good_version_keeps_running_and_is_still_repaired()
    {
        await using var s = await Scenario.CreateAsync(output);
        var (good, daemon) = await s.DeployFirstAsync("1.0", new Svc("web", DockerCli.Image10) { Command = Compose.Httpd, Data = true });
        var token = await s.WriteTokenAsync("web");
        var bad = await s.CommitComposeAsync("2.0 that crashes", Compose.File(new Svc("web", DockerCli.Image20) { Command = Compose.ExitAtOnce, Data = true }));
        await s.WaitAsync("the bad commit rolled back", async () =>
            (await daemon.HistoryAsync()).Any(h => bad.StartsWith(h.Commit, StringComparison.Ordinal) && h.Result is "rolled_back" or "rolledback"),
            TimeSpan.FromSeconds(90));
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image10 }, good);
        var before = await s.ServiceContainerAsync("web");

        // The host reboots with state_dir read-only (the daemon starts without its record).
        await daemon.StopAsync();
        await ReadOnlyBindMountAsync(s);
        daemon.Start();
        // Three passes of the restarted daemon: the first would deploy the bad commit, the others retry it.
        await s.WaitForMorePassesAsync(3);
        var now = await s.ServiceContainerAsync("web");
        var deploysOfBad = s.Log.Count($"commit={bad[..12]} action=");
        await s.AssertAsync(now.Running && now.ImageId == before.ImageId,
            $"restarted without a readable state, the daemon deployed the rolled-back commit {bad[..12]} again ({deploysOfBad} actions) " +
            $"and, knowing no last good commit, left web down: {now}");

        // And it still repairs what runs.
        s.Note("docker rm -f web");
        await s.Docker.OkAsync("rm", "-f", now.Name);
        try
        {
            await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image10 }, null, TimeSpan.FromSeconds(45));
        }
        catch (Xunit.Sdk.XunitException e)
        {
            var why = s.Log.Text.Split('\n').LastOrDefault(l => l.Contains("phase=", StringComparison.Ordinal))?.Trim();
            throw new Xunit.Sdk.XunitException(
                $"with state_dir read-only and a failed commit at the head, a removed container is never repaired: every pass tries the head " +
                $"(it cannot read that the head failed) and stops at rendering it ({why})\n{e.Message}");
        }
        finally
        {
            await s.UndoAsync();
        }
        await s.AssertTokenAsync(token);
    }

    /// <summary>
    /// The immutable attribute on state_dir, the database and its write-ahead log: every write and
    /// every new file fails with EPERM. Not on state.db-shm: SQLite maps that index into memory
    /// (MAP_SHARED) and ext4 answers a write fault on an immutable file's page with SIGBUS, which
    /// kills any SQLite process in WAL mode on the spot — a property of the injection, not of a
    /// read-only disk.
    /// </summary>
    private static async Task MakeImmutableAsync(Scenario s)
    {
        string[] paths = [s.StateDir, .. new[] { "state.db", "state.db-wal" }.Select(f => Path.Combine(s.StateDir, f)).Where(File.Exists)];
        s.Note($"chattr +i {string.Join(' ', paths)}");
        await Host(s, "chattr", ["+i", .. paths]);
        s.Defer(() => Host(s, "chattr", ["-i", .. paths]));
    }

    private static async Task ReadOnlyBindMountAsync(Scenario s)
    {
        s.Note($"read-only bind mount of {s.StateDir}");
        await Host(s, "mount", "--bind", s.StateDir, s.StateDir);
        s.Defer(() => Host(s, "umount", "--lazy", s.StateDir));
        await Host(s, "mount", "-o", "remount,ro,bind", s.StateDir);
    }

    private static async Task Host(Scenario s, string file, params string[] args)
    {
        var r = await Sh.RunAsync(file, args);
        if (!r.Ok) throw await s.FailureAsync($"{file} {string.Join(' ', args)} failed (these tests need root): {r}");
    }
}
