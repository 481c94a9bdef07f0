namespace Reconciler.State.Tests;

public sealed class SqliteStateStoreTests : IDisposable
{
    private readonly TempStateDirectory _directory = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Opening_an_empty_directory_creates_the_database_at_the_latest_schema()
    {
        using var store = _directory.OpenStore(_time);

        var opened = await store.OpenAsync(CancellationToken.None);

        Assert.Equal(_directory.DatabasePath, opened.DatabasePath);
        Assert.Equal(0, opened.PreviousSchemaVersion);
        Assert.Equal(SchemaMigrations.All[^1].Version, opened.SchemaVersion);
        Assert.Null(opened.Recovery);
        Assert.True(File.Exists(_directory.DatabasePath));
    }

    [Fact]
    public async Task A_stack_state_reads_back_as_it_was_written()
    {
        using var store = _directory.OpenStore(_time);
        var healthyAt = _time.GetUtcNow();

        var written = await store.UpdateStackAsync("web", (state, now) => state
            .Attempting("c2")
            .Applied("c1", DeploymentResult.Applied, now)
            .BecameHealthy("c1", new Dictionary<string, string> { ["web"] = "sha256:aa", ["db"] = "sha256:bb" })
            .Pulled(["registry.example/web:1.0", "redis"], now.AddTicks(1234567))
            .Failed(new StackError("services.web.image: empty") { Commit = "c2", File = "compose.yaml", Line = 4 }, DeploymentResult.RolledBack, blockCommit: true)
            .OutOfSync("web: 1 container missing"), CancellationToken.None);
        var read = await store.GetStackAsync("web", CancellationToken.None);

        Assert.Equal(written, read);
        Assert.Equal("c2", read!.LastAttemptedCommit);
        Assert.Equal("c1", read.LastAppliedCommit);
        Assert.Equal("c1", read.LastGoodCommit);
        Assert.Equal(["db", "web"], read.LastGoodImages.Keys);
        Assert.Equal(SyncStatus.OutOfSync, read.SyncStatus);
        Assert.Equal(DeploymentResult.RolledBack, read.LastResult);
        Assert.Equal("compose.yaml:4: services.web.image: empty (commit c2)", read.LastError!.ToString());
        Assert.Equal(healthyAt, read.LastSuccessAt);
        Assert.Equal("web: 1 container missing", read.DriftSummary);
        Assert.Equal(["c2"], read.FailedCommits);
        Assert.Equal(["redis", "registry.example/web:1.0"], read.LastPulled.Keys);
        Assert.Equal(healthyAt.AddTicks(1234567), read.LastPulled["redis"]);
        Assert.Equal(_time.GetUtcNow(), read.UpdatedAt);
    }

    [Fact]
    public async Task An_unknown_stack_reads_as_null_and_an_update_starts_from_the_initial_state()
    {
        using var store = _directory.OpenStore(_time);

        Assert.Null(await store.GetStackAsync("web", CancellationToken.None));
        var suspended = await store.UpdateStackAsync("web", (state, _) => state.Suspend(), CancellationToken.None);

        Assert.Equal(StackState.Initial("web").Suspend() with { UpdatedAt = _time.GetUtcNow() }, suspended);
    }

    [Fact]
    public async Task An_update_keeps_what_it_does_not_change()
    {
        using var store = _directory.OpenStore(_time);
        await store.UpdateStackAsync("web", (state, now) => state.Applied("c1", DeploymentResult.Applied, now), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(1));

        var suspended = await store.UpdateStackAsync("web", (state, _) => state.Suspend(), CancellationToken.None);

        Assert.Equal("c1", suspended.LastAppliedCommit);
        Assert.Equal(SyncStatus.Suspended, suspended.EffectiveStatus);
        Assert.Equal(_time.GetUtcNow(), suspended.UpdatedAt);
    }

    [Fact]
    public async Task An_update_that_throws_writes_nothing()
    {
        using var store = _directory.OpenStore(_time);
        await store.UpdateStackAsync("web", (state, _) => state.Attempting("c1"), CancellationToken.None);

        await Assert.ThrowsAsync<ArgumentException>(() =>
            store.UpdateStackAsync("web", (state, _) => state.Attempting("c2").Attempting(""), CancellationToken.None));

        Assert.Equal("c1", (await store.GetStackAsync("web", CancellationToken.None))!.LastAttemptedCommit);
    }

    [Fact]
    public async Task Stacks_list_by_name_and_a_removed_one_is_gone()
    {
        using var store = _directory.OpenStore(_time);
        foreach (var stack in new[] { "web", "api", "db" })
        {
            await store.UpdateStackAsync(stack, (state, _) => state.Attempting("c"), CancellationToken.None);
        }

        Assert.True(await store.RemoveStackAsync("db", CancellationToken.None));
        Assert.False(await store.RemoveStackAsync("db", CancellationToken.None));
        Assert.Equal(["api", "web"], (await store.ListStacksAsync(CancellationToken.None)).Select(s => s.Stack));
    }

    [Fact]
    public async Task A_fetch_records_the_head_and_the_time_and_a_head_check_only_the_head()
    {
        using var store = _directory.OpenStore(_time);
        var fetchedAt = _time.GetUtcNow();

        await store.RecordFetchAsync("infra", "c1", CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(5));
        await store.RecordHeadAsync("infra", "c2", CancellationToken.None);
        await store.RecordHeadAsync("apps", "d1", CancellationToken.None);

        Assert.Equal(
            new RepoState { Repo = "infra", HeadCommit = "c2", HeadSeenAt = _time.GetUtcNow(), LastFetchAt = fetchedAt },
            await store.GetRepoAsync("infra", CancellationToken.None));
        Assert.Equal(["apps", "infra"], (await store.ListReposAsync(CancellationToken.None)).Select(r => r.Repo));
        Assert.Null((await store.GetRepoAsync("apps", CancellationToken.None))!.LastFetchAt);
        Assert.Null(await store.GetRepoAsync("unknown", CancellationToken.None));
    }

    [Fact]
    public async Task A_new_store_on_the_same_directory_reads_what_the_old_one_wrote()
    {
        StackState stack;
        RepoState repo;
        Deployment deployment;
        using (var before = _directory.OpenStore(_time))
        {
            stack = await before.UpdateStackAsync("web", (state, now) => state
                .Applied("c1", DeploymentResult.Applied, now)
                .BecameHealthy("c1", new Dictionary<string, string> { ["web"] = "sha256:aa" })
                .Suspend(), CancellationToken.None);
            repo = await before.RecordFetchAsync("infra", "c1", CancellationToken.None);
            var started = await before.StartDeploymentAsync(new DeploymentStart("web", "c1", DeploymentTrigger.Startup) { Author = "Ann <ann@example.com>", Subject = "Pin web" }, CancellationToken.None);
            deployment = await before.FinishDeploymentAsync(started.Id, new DeploymentFinish(DeploymentResult.Applied, 3), CancellationToken.None);
        }

        using var after = _directory.OpenStore(new ManualTimeProvider(DateTimeOffset.UnixEpoch));
        var opened = await after.OpenAsync(CancellationToken.None);

        Assert.False(opened.Migrated);
        Assert.Equal(stack, await after.GetStackAsync("web", CancellationToken.None));
        Assert.Equal(repo, await after.GetRepoAsync("infra", CancellationToken.None));
        Assert.Equal(deployment, await after.GetDeploymentAsync(deployment.Id, CancellationToken.None));
    }
}
