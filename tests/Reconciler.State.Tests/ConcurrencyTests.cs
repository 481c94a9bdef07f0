namespace Reconciler.State.Tests;

public sealed class ConcurrencyTests : IDisposable
{
    private readonly TempStateDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Parallel_updates_of_one_stack_lose_none_of_the_changes()
    {
        using var store = _directory.OpenStore();
        const int writers = 8;
        const int updatesEach = 40;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < updatesEach; i++)
            {
                var commit = $"w{writer}-{i}";
                await store.UpdateStackAsync("web", (state, _) => state with { FailedCommits = state.FailedCommits.Add(commit) }, CancellationToken.None);
            }
        })));

        Assert.Equal(writers * updatesEach, (await store.GetStackAsync("web", CancellationToken.None))!.FailedCommits.Count);
    }

    [Fact]
    public async Task Stack_loops_writing_state_and_history_at_once_through_two_stores_all_land()
    {
        // Two stores on one file stand for the daemon and a second process (reconciler suspend).
        using var daemon = _directory.OpenStore();
        using var cli = _directory.OpenStore();
        var stacks = Enumerable.Range(0, 6).Select(i => $"stack{i}").ToArray();
        const int passes = 25;

        var loops = stacks.Select((stack, index) => Task.Run(async () =>
        {
            var store = index % 2 == 0 ? daemon : cli;
            for (var pass = 0; pass < passes; pass++)
            {
                var commit = $"{stack}-c{pass}";
                await store.UpdateStackAsync(stack, (state, _) => state.Attempting(commit), CancellationToken.None);
                var deployment = await store.StartDeploymentAsync(new DeploymentStart(stack, commit, DeploymentTrigger.Poll), CancellationToken.None);
                await store.FinishDeploymentAsync(deployment.Id, new DeploymentFinish(DeploymentResult.Applied, 1), CancellationToken.None);
                await store.UpdateStackAsync(stack, (state, now) => state.Applied(commit, DeploymentResult.Applied, now), CancellationToken.None);
                await store.RecordFetchAsync("infra", commit, CancellationToken.None);
            }
        }));
        var suspender = Task.Run(async () =>
        {
            for (var i = 0; i < passes; i++)
            {
                await cli.UpdateStackAsync("stack0", (state, _) => state with { Suspended = i % 2 == 0 }, CancellationToken.None);
            }
            await cli.UpdateStackAsync("stack0", (state, _) => state.Suspend(), CancellationToken.None);
        });
        await Task.WhenAll([.. loops, suspender]);

        var all = await daemon.ListDeploymentsAsync(new DeploymentQuery { Limit = DeploymentQuery.MaxLimit }, CancellationToken.None);
        Assert.Equal(stacks.Length * passes, all.Deployments.Count);
        Assert.Equal(all.Deployments.Count, all.Deployments.Select(d => d.Id).Distinct().Count());
        Assert.All(all.Deployments, d => Assert.Equal(DeploymentResult.Applied, d.Result));
        foreach (var stack in stacks)
        {
            var state = await daemon.GetStackAsync(stack, CancellationToken.None);
            Assert.Equal($"{stack}-c{passes - 1}", state!.LastAppliedCommit);
            Assert.Equal(SyncStatus.Synced, state.SyncStatus);
        }
        Assert.True((await daemon.GetStackAsync("stack0", CancellationToken.None))!.Suspended);
    }

    [Fact]
    public async Task A_read_returns_the_copy_it_holds_only_while_the_row_is_unchanged_and_sees_another_process_write()
    {
        var daemonClock = new ManualTimeProvider();
        var cliClock = new ManualTimeProvider();
        using var daemon = _directory.OpenStore(daemonClock);
        using var cli = _directory.OpenStore(cliClock);
        var written = await daemon.UpdateStackAsync("web", (s, now) => s.Applied("c1", DeploymentResult.Applied, now), CancellationToken.None);

        // Unchanged row: the copy this process wrote, not a new parse of the row.
        Assert.Same(written, await daemon.GetStackAsync("web", CancellationToken.None));
        Assert.Same(written, await daemon.GetStackAsync("web", CancellationToken.None));

        // Another process changes the row (not the suspended flag): the next read has it.
        cliClock.Advance(TimeSpan.FromSeconds(1));
        await cli.UpdateStackAsync("web", (s, now) => s.Applied("c2", DeploymentResult.Applied, now), CancellationToken.None);
        Assert.Equal("c2", (await daemon.GetStackAsync("web", CancellationToken.None))!.LastAppliedCommit);

        // A suspend written at the very time of the row's last write is seen all the same.
        await cli.UpdateStackAsync("web", (s, _) => s.Suspend(), CancellationToken.None);
        var read = await daemon.GetStackAsync("web", CancellationToken.None);
        Assert.True(read!.Suspended);
        Assert.Equal("c2", read.LastAppliedCommit);

        // Removed by the other process: gone here too.
        await cli.RemoveStackAsync("web", CancellationToken.None);
        Assert.Null(await daemon.GetStackAsync("web", CancellationToken.None));
    }
}
