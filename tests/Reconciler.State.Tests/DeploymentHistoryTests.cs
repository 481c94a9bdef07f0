namespace Reconciler.State.Tests;

public sealed class DeploymentHistoryTests : IDisposable
{
    private readonly TempStateDirectory _directory = new();
    private readonly ManualTimeProvider _time = new();
    private readonly SqliteStateStore _store;

    public DeploymentHistoryTests() => _store = _directory.OpenStore(_time);

    public void Dispose()
    {
        _store.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_deployment_runs_from_start_to_finish_with_its_times_and_outcome()
    {
        var startedAt = _time.GetUtcNow();
        var running = await _store.StartDeploymentAsync(
            new DeploymentStart("web", "3f2a9c1", DeploymentTrigger.Webhook) { Author = "Ann <ann@example.com>", Subject = "Bump nginx" },
            CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(42));

        var finished = await _store.FinishDeploymentAsync(running.Id,
            new DeploymentFinish(DeploymentResult.RolledBack, 4, "web did not become healthy"), CancellationToken.None);

        Assert.Null(running.Result);
        Assert.False(running.IsFinished);
        Assert.Equal(new Deployment
        {
            Id = running.Id,
            Stack = "web",
            Commit = "3f2a9c1",
            Author = "Ann <ann@example.com>",
            Subject = "Bump nginx",
            Trigger = DeploymentTrigger.Webhook,
            StartedAt = startedAt,
            FinishedAt = startedAt.AddSeconds(42),
            Result = DeploymentResult.RolledBack,
            ActionCount = 4,
            Error = "web did not become healthy",
        }, finished);
        Assert.Equal(TimeSpan.FromSeconds(42), finished.Duration);
        Assert.Equal(finished, await _store.GetDeploymentAsync(running.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Finishing_twice_or_finishing_an_unknown_deployment_is_refused()
    {
        var running = await _store.StartDeploymentAsync(new DeploymentStart("web", "c1", DeploymentTrigger.Poll), CancellationToken.None);
        await _store.FinishDeploymentAsync(running.Id, new DeploymentFinish(DeploymentResult.Noop, 0), CancellationToken.None);

        var twice = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _store.FinishDeploymentAsync(running.Id, new DeploymentFinish(DeploymentResult.Failed, 0), CancellationToken.None));
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _store.FinishDeploymentAsync(9999, new DeploymentFinish(DeploymentResult.Failed, 0), CancellationToken.None));

        Assert.Equal($"deployment {running.Id} has already finished (noop)", twice.Message);
        Assert.Equal("there is no deployment 9999", unknown.Message);
        Assert.Equal(DeploymentResult.Noop, (await _store.GetDeploymentAsync(running.Id, CancellationToken.None))!.Result);
    }

    [Fact]
    public async Task The_latest_deployments_of_a_stack_come_newest_first_and_page_back_to_the_oldest()
    {
        var web = new List<long>();
        for (var i = 0; i < 25; i++)
        {
            web.Add((await _store.StartDeploymentAsync(new DeploymentStart("web", $"w{i}", DeploymentTrigger.Poll), CancellationToken.None)).Id);
            await _store.StartDeploymentAsync(new DeploymentStart("api", $"a{i}", DeploymentTrigger.Poll), CancellationToken.None);
            _time.Advance(TimeSpan.FromMinutes(1));
        }
        web.Reverse();

        var first = await _store.ListDeploymentsAsync(new DeploymentQuery { Stack = "web", Limit = 10 }, CancellationToken.None);
        var second = await _store.ListDeploymentsAsync(new DeploymentQuery { Stack = "web", Limit = 10, BeforeId = first.NextBeforeId }, CancellationToken.None);
        var third = await _store.ListDeploymentsAsync(new DeploymentQuery { Stack = "web", Limit = 10, BeforeId = second.NextBeforeId }, CancellationToken.None);

        Assert.Equal(web[..10], first.Deployments.Select(d => d.Id));
        Assert.Equal(web[10..20], second.Deployments.Select(d => d.Id));
        Assert.Equal(web[20..], third.Deployments.Select(d => d.Id));
        Assert.Null(third.NextBeforeId);
        Assert.Equal("w24", first.Deployments[0].Commit);
        Assert.Equal("w0", third.Deployments[^1].Commit);
        Assert.All(first.Deployments.Zip(first.Deployments.Skip(1)), pair => Assert.True(pair.First.StartedAt > pair.Second.StartedAt));
    }

    [Fact]
    public async Task A_page_that_ends_exactly_at_the_oldest_deployment_says_there_is_no_next()
    {
        for (var i = 0; i < 10; i++)
        {
            await _store.StartDeploymentAsync(new DeploymentStart("web", $"w{i}", DeploymentTrigger.Poll), CancellationToken.None);
        }

        var page = await _store.ListDeploymentsAsync(new DeploymentQuery { Stack = "web", Limit = 10 }, CancellationToken.None);

        Assert.Equal(10, page.Deployments.Count);
        Assert.Null(page.NextBeforeId);
    }

    [Fact]
    public async Task Without_a_stack_the_history_of_every_stack_is_listed()
    {
        await _store.StartDeploymentAsync(new DeploymentStart("web", "w", DeploymentTrigger.Poll), CancellationToken.None);
        await _store.StartDeploymentAsync(new DeploymentStart("api", "a", DeploymentTrigger.Manual), CancellationToken.None);

        var page = await _store.ListDeploymentsAsync(new DeploymentQuery(), CancellationToken.None);

        Assert.Equal(["api", "web"], page.Deployments.Select(d => d.Stack));
        Assert.Equal([DeploymentTrigger.Manual, DeploymentTrigger.Poll], page.Deployments.Select(d => d.Trigger));
    }

    [Fact]
    public async Task Deployments_left_running_by_a_dead_daemon_are_failed_at_startup()
    {
        var finished = await _store.StartDeploymentAsync(new DeploymentStart("web", "c1", DeploymentTrigger.Poll), CancellationToken.None);
        await _store.FinishDeploymentAsync(finished.Id, new DeploymentFinish(DeploymentResult.Applied, 2), CancellationToken.None);
        var running = await _store.StartDeploymentAsync(new DeploymentStart("web", "c2", DeploymentTrigger.Poll), CancellationToken.None);

        var failed = await _store.FailUnfinishedDeploymentsAsync("the daemon stopped during the deployment", CancellationToken.None);

        Assert.Equal(1, failed);
        var after = await _store.GetDeploymentAsync(running.Id, CancellationToken.None);
        Assert.Equal(DeploymentResult.Failed, after!.Result);
        Assert.Equal("the daemon stopped during the deployment", after.Error);
        Assert.Equal(DeploymentResult.Applied, (await _store.GetDeploymentAsync(finished.Id, CancellationToken.None))!.Result);
    }

    [Fact]
    public async Task Pruning_keeps_the_newest_of_each_stack_and_ids_are_not_reused()
    {
        for (var i = 0; i < 5; i++)
        {
            await _store.StartDeploymentAsync(new DeploymentStart("web", $"w{i}", DeploymentTrigger.Poll), CancellationToken.None);
            await _store.StartDeploymentAsync(new DeploymentStart("api", $"a{i}", DeploymentTrigger.Poll), CancellationToken.None);
        }
        var newest = (await _store.ListDeploymentsAsync(new DeploymentQuery { Limit = 1 }, CancellationToken.None)).Deployments[0].Id;

        var deleted = await _store.PruneDeploymentsAsync(keepPerStack: 2, CancellationToken.None);
        var next = await _store.StartDeploymentAsync(new DeploymentStart("web", "w5", DeploymentTrigger.Poll), CancellationToken.None);

        Assert.Equal(6, deleted);
        Assert.Equal(["w4", "w3"], (await _store.ListDeploymentsAsync(new DeploymentQuery { Stack = "web" }, CancellationToken.None)).Deployments.Skip(1).Select(d => d.Commit));
        Assert.Equal(["a4", "a3"], (await _store.ListDeploymentsAsync(new DeploymentQuery { Stack = "api" }, CancellationToken.None)).Deployments.Select(d => d.Commit));
        Assert.Equal(newest + 1, next.Id);
    }
}
