using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Reconciler.Configuration;
using Reconciler.Core.Policy;
using Reconciler.Daemon;
using Reconciler.Git;
using Reconciler.State;
using Reconciler.TestSupport;

namespace Reconciler.Tests.Daemon;

/// <summary>
/// Whole passes in-process: a real git repository and mirror, a real state store, the engine in
/// memory and a fake clock, so the pipeline's paths (deploy, drift, rollback, hold, refusals) run in
/// milliseconds. The same journeys against the real engine are in Reconciler.Faults.Tests.
/// </summary>
public sealed class StackReconcilerTests : IDisposable
{
    private const string Registry = "registry.test/shop";
    private readonly string _dir = Directory.CreateTempSubdirectory("pass-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    private readonly InMemoryEngine _engine;
    private readonly OriginRepository _origin;
    private readonly GitRepositoryMirror _mirror;
    private readonly SqliteStateStore _store;

    public StackReconcilerTests()
    {
        _engine = new InMemoryEngine(_time);
        _origin = new OriginRepository(Path.Combine(_dir, "origin.git"), Path.Combine(_dir, "work"));
        _mirror = new GitRepositoryMirror(new GitRemote { Name = "infra", Url = _origin.FileUrl }, Path.Combine(_dir, "mirror"));
        _store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = Path.Combine(_dir, "state") }, _time);
        foreach (var tag in new[] { "1.0", "1.1", "2.0" }) _engine.Publish($"{Registry}/web:{tag}");
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static StackConfig Shop(bool selfHeal = true) => new() { Name = "shop", Repo = "infra", Path = "shop", SelfHeal = selfHeal, HealthTimeout = TimeSpan.FromSeconds(30) };

    private StackReconciler Reconciler(StackConfig stack) =>
        new(stack, pruneStacks: false, _mirror, _engine, _store, Path.Combine(_dir, "state"), _time, NullLogger.Instance);

    private async Task<string> PushAsync(string tag, int port = 18080)
    {
        var sha = _origin.Commit($"web {tag}", new Dictionary<string, string?>
        {
            ["shop/compose.yaml"] = $"services:\n  web:\n    image: {Registry}/web:{tag}\n    ports: [\"127.0.0.1:{port}:80\"]\n",
        });
        await _mirror.FetchAsync();
        return sha;
    }

    /// <summary>Runs one pass, moving the fake clock while it waits (the rollout gate's settle period).</summary>
    private async Task<StackPassResult> PassAsync(StackReconciler reconciler, Trigger trigger = Trigger.Poll)
    {
        var pass = reconciler.ReconcileAsync(trigger, CancellationToken.None);
        while (!pass.IsCompleted)
        {
            _time.Advance(TimeSpan.FromMilliseconds(300));
            await Task.Delay(1);
        }
        return await pass;
    }

    private async Task<StackState> StateAsync() => (await _store.GetStackAsync("shop", CancellationToken.None))!;

    [Fact]
    public async Task A_new_commit_is_deployed_gated_and_recorded_as_the_last_good_one_with_its_exact_image()
    {
        await _store.OpenAsync(CancellationToken.None);
        var sha = await PushAsync("1.0");

        var result = await PassAsync(Reconciler(Shop()));

        Assert.Equal(PassOutcome.Applied, result.Outcome);
        Assert.Equal(("running", $"{Registry}/web:1.0"), _engine.Project("shop")["shop-web-1"]);
        var state = await StateAsync();
        Assert.Equal(sha, state.LastGoodCommit);
        Assert.StartsWith($"{Registry}/web@sha256:", state.LastGoodImages["web"], StringComparison.Ordinal);
        Assert.Single((await _store.ListDeploymentsAsync(new DeploymentQuery { Stack = "shop" }, CancellationToken.None)).Deployments);
    }

    [Fact]
    public async Task A_deploy_of_a_new_commit_announces_its_start_and_a_repair_of_the_running_commit_does_not()
    {
        await _store.OpenAsync(CancellationToken.None);
        var sha = await PushAsync("1.0");
        var reconciler = Reconciler(Shop());
        var started = new List<(string Stack, string Commit)>();
        reconciler.DeployStarting += (stack, commit) => started.Add((stack, commit));

        await PassAsync(reconciler);
        _engine.StopByHand("shop-web-1");
        var repair = await PassAsync(reconciler, Trigger.Drift);

        Assert.Equal(PassOutcome.Applied, repair.Outcome);
        Assert.Equal([("shop", sha)], started);
    }

    [Fact]
    public async Task A_pass_result_carries_the_plan_it_computed_for_the_status_page()
    {
        await _store.OpenAsync(CancellationToken.None);
        var sha = await PushAsync("1.0");
        var reconciler = Reconciler(Shop());

        var deploy = await PassAsync(reconciler);
        var drift = await PassAsync(reconciler, Trigger.Drift);

        Assert.Equal(sha, deploy.Plan?.Commit);
        Assert.Contains(deploy.Plan!.Plan.Actions, a => a.Service == "web");
        Assert.Equal("shop: in sync", drift.Plan?.Plan.ToString());
    }

    [Fact]
    public async Task Drift_with_self_heal_off_is_reported_by_kind_and_left_alone()
    {
        await _store.OpenAsync(CancellationToken.None);
        await PushAsync("1.0");
        var reconciler = Reconciler(Shop(selfHeal: false));
        await PassAsync(reconciler);
        _engine.StopByHand("shop-web-1");

        var result = await PassAsync(reconciler, Trigger.Drift);

        Assert.Equal(PassOutcome.DriftReported, result.Outcome);
        Assert.Equal("stopped", Assert.Single(result.Drift).Reason);
        Assert.Equal("exited", _engine.Project("shop")["shop-web-1"].State);
        Assert.Equal(SyncStatus.OutOfSync, (await StateAsync()).SyncStatus);
    }

    [Fact]
    public async Task A_commit_whose_container_exits_is_rolled_back_to_the_last_good_images_and_then_held_without_new_errors()
    {
        await _store.OpenAsync(CancellationToken.None);
        var good = await PushAsync("1.0");
        var reconciler = Reconciler(Shop());
        await PassAsync(reconciler);
        _engine.CrashingImages.Add($"{Registry}/web:2.0");
        var bad = await PushAsync("2.0");

        var rolledBack = await PassAsync(reconciler);
        var held = await PassAsync(reconciler, Trigger.Drift);

        Assert.Equal((PassOutcome.Failed, "health", true, false), (rolledBack.Outcome, rolledBack.FailedPhase, rolledBack.RolledBack, rolledBack.Transient));
        Assert.Contains($"rolled back to {good[..12]}", rolledBack.Error, StringComparison.Ordinal);
        var (state, image) = _engine.Project("shop")["shop-web-1"];
        Assert.Equal("running", state);
        Assert.StartsWith($"{Registry}/web@sha256:", image, StringComparison.Ordinal);
        var record = await StateAsync();
        Assert.True(record.IsFailedCommit(bad));
        Assert.Equal(good, record.LastAppliedCommit);
        Assert.Equal((PassOutcome.Failed, true, true, false), (held.Outcome, held.Held, held.Repeated, held.Transient));
        Assert.Equal(bad, held.Commit);
    }

    [Fact]
    public async Task The_next_good_commit_after_a_rollback_deploys_and_clears_the_failure()
    {
        await _store.OpenAsync(CancellationToken.None);
        await PushAsync("1.0");
        var reconciler = Reconciler(Shop());
        await PassAsync(reconciler);
        _engine.CrashingImages.Add($"{Registry}/web:2.0");
        await PushAsync("2.0");
        await PassAsync(reconciler);
        var fixedCommit = await PushAsync("1.1");

        var result = await PassAsync(reconciler);

        Assert.Equal(PassOutcome.Applied, result.Outcome);
        Assert.Equal(("running", $"{Registry}/web:1.1"), _engine.Project("shop")["shop-web-1"]);
        var record = await StateAsync();
        Assert.Equal((fixedCommit, SyncStatus.Synced), (record.LastGoodCommit, record.SyncStatus));
        Assert.Empty(record.FailedCommits);
    }

    [Fact]
    public async Task An_image_the_registry_lacks_is_the_commits_fault_and_touches_nothing_that_runs()
    {
        await _store.OpenAsync(CancellationToken.None);
        await PushAsync("1.0");
        var reconciler = Reconciler(Shop());
        await PassAsync(reconciler);
        var bad = await PushAsync("9.9");

        var result = await PassAsync(reconciler);

        Assert.Equal((PassOutcome.Failed, "apply", false), (result.Outcome, result.FailedPhase, result.Transient));
        Assert.Contains("manifest unknown", result.Error, StringComparison.Ordinal);
        Assert.Equal(("running", $"{Registry}/web:1.0"), _engine.Project("shop")["shop-web-1"]);
        Assert.True((await StateAsync()).IsFailedCommit(bad));
    }

    [Fact]
    public async Task A_host_port_held_outside_the_stack_is_retried_and_its_holder_is_not_touched()
    {
        await _store.OpenAsync(CancellationToken.None);
        _engine.PortsHeldOutside.Add(18081);
        var sha = await PushAsync("1.0", port: 18081);

        var result = await PassAsync(Reconciler(Shop()));

        Assert.Equal((PassOutcome.Failed, "apply", true), (result.Outcome, result.FailedPhase, result.Transient));
        Assert.Contains("port is already allocated", result.Error, StringComparison.Ordinal);
        Assert.False((await StateAsync()).IsFailedCommit(sha));
    }

    [Fact]
    public async Task Invalid_compose_files_fail_the_commit_with_file_and_line_and_change_nothing()
    {
        await _store.OpenAsync(CancellationToken.None);
        await PushAsync("1.0");
        var reconciler = Reconciler(Shop());
        await PassAsync(reconciler);
        var changes = _engine.Changes;
        var bad = _origin.Commit("typo", new Dictionary<string, string?> { ["shop/compose.yaml"] = "services:\n  web:\n    imagee: x\n" });
        await _mirror.FetchAsync();

        var result = await PassAsync(reconciler);

        Assert.Equal((PassOutcome.Failed, "load", false), (result.Outcome, result.FailedPhase, result.Transient));
        Assert.Equal("shop/compose.yaml:3: services.web.imagee: unknown key \"imagee\" (did you mean \"image\"?)", result.Error);
        Assert.Equal(changes, _engine.Changes);
        var record = await StateAsync();
        Assert.Equal(("shop/compose.yaml", 3), (record.LastError!.File, record.LastError.Line));
        Assert.True(record.IsFailedCommit(bad));
    }
}
