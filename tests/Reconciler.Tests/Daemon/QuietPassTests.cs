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
/// Drift ticks of a stack in sync answered again without a full pass (<see cref="QuietPass"/>), and
/// every input whose change must end that: the engine, the head, the record (a suspend from another
/// process), the rendered tree, the clock of the once-a-minute record. A quiet answer is recognised
/// by its plan: a full pass wraps its plan in a new object even when the plan itself is reused.
/// </summary>
public sealed class QuietPassTests : IDisposable
{
    private const string Registry = "registry.test/shop";
    private readonly string _dir = Directory.CreateTempSubdirectory("quiet-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    private readonly InMemoryEngine _engine;
    private readonly OriginRepository _origin;
    private readonly GitRepositoryMirror _mirror;
    private readonly SqliteStateStore _store;

    public QuietPassTests()
    {
        _engine = new InMemoryEngine(_time) { AnswersFromMemory = true };
        _origin = new OriginRepository(Path.Combine(_dir, "origin.git"), Path.Combine(_dir, "work"));
        _mirror = new GitRepositoryMirror(new GitRemote { Name = "infra", Url = _origin.FileUrl }, Path.Combine(_dir, "mirror"));
        _store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = StateDir }, _time);
        foreach (var tag in new[] { "1.0", "1.1" }) _engine.Publish($"{Registry}/web:{tag}");
    }

    private string StateDir => Path.Combine(_dir, "state");

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private StackReconciler Reconciler() =>
        new(new StackConfig { Name = "shop", Repo = "infra", Path = "shop", SelfHeal = true, HealthTimeout = TimeSpan.FromSeconds(30) },
            pruneStacks: false, _mirror, _engine, _store, StateDir, _time, NullLogger.Instance);

    private async Task<string> PushAsync(string tag, string? pullPolicy = null)
    {
        var sha = _origin.Commit($"web {tag}", new Dictionary<string, string?>
        {
            ["shop/compose.yaml"] = $"services:\n  web:\n    image: {Registry}/web:{tag}\n" + (pullPolicy is null ? "" : $"    pull_policy: {pullPolicy}\n"),
        });
        await _mirror.FetchAsync();
        return sha;
    }

    private async Task<StackPassResult> PassAsync(StackReconciler reconciler, Trigger trigger = Trigger.Drift)
    {
        var pass = reconciler.ReconcileAsync(trigger, CancellationToken.None);
        while (!pass.IsCompleted)
        {
            _time.Advance(TimeSpan.FromMilliseconds(300));
            await Task.Delay(1);
        }
        return await pass;
    }

    /// <summary>
    /// Deploys, then runs drift passes up to the first that wrote nothing (a full one, which the next
    /// tick may repeat): the first after a deploy records the images as the engine reports them.
    /// </summary>
    private async Task<(StackReconciler Reconciler, StackPassResult FirstDrift)> InSyncAsync(string? pullPolicy = null)
    {
        await _store.OpenAsync(CancellationToken.None);
        await PushAsync("1.0", pullPolicy);
        var reconciler = Reconciler();
        Assert.Equal(PassOutcome.Applied, (await PassAsync(reconciler, Trigger.Poll)).Outcome);
        Assert.Equal(PassOutcome.Noop, (await PassAsync(reconciler)).Outcome);
        var first = await PassAsync(reconciler);
        Assert.Equal(PassOutcome.Noop, first.Outcome);
        return (reconciler, first);
    }

    [Fact]
    public async Task A_drift_tick_with_nothing_changed_repeats_the_last_answer_and_writes_nothing()
    {
        var (reconciler, first) = await InSyncAsync();
        var recorded = (await _store.GetStackAsync("shop", CancellationToken.None))!;
        var reads = _engine.Reads;

        var second = await PassAsync(reconciler);
        var third = await PassAsync(reconciler);

        Assert.Equal(PassOutcome.Noop, second.Outcome);
        Assert.Same(first.Plan, second.Plan);
        Assert.Same(first.Plan, third.Plan);
        Assert.Equal(first.Commit, third.Commit);
        Assert.Empty(third.Drift);
        Assert.Equal(reads, _engine.Reads);
        Assert.Equal(recorded.UpdatedAt, (await _store.GetStackAsync("shop", CancellationToken.None))!.UpdatedAt);
    }

    [Fact]
    public async Task A_container_stopped_by_hand_ends_the_quiet_answer_and_the_next_tick_repairs_it()
    {
        var (reconciler, first) = await InSyncAsync();
        Assert.Same(first.Plan, (await PassAsync(reconciler)).Plan);

        _engine.StopByHand("shop-web-1");
        var repair = await PassAsync(reconciler);

        Assert.Equal(PassOutcome.Applied, repair.Outcome);
        Assert.Contains(repair.Done, d => d.Service == "web");
        Assert.Equal("running", _engine.Project("shop")["shop-web-1"].State);
    }

    [Fact]
    public async Task A_new_head_is_converged_by_a_drift_tick_instead_of_the_quiet_answer()
    {
        var (reconciler, first) = await InSyncAsync();
        var next = await PushAsync("1.1");

        var pass = await PassAsync(reconciler);

        Assert.NotSame(first.Plan, pass.Plan);
        Assert.Equal(next, pass.Commit);
        Assert.EndsWith("web:1.1", _engine.Project("shop")["shop-web-1"].Image);
    }

    [Fact]
    public async Task A_suspend_written_by_another_process_is_seen_by_the_next_tick()
    {
        var (reconciler, first) = await InSyncAsync();
        using (var cli = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = StateDir }, _time))
        {
            await cli.OpenAsync(CancellationToken.None);
            _time.Advance(TimeSpan.FromMilliseconds(5));
            await cli.UpdateStackAsync("shop", (s, _) => s with { Suspended = true }, CancellationToken.None);
        }

        var pass = await PassAsync(reconciler);

        Assert.Equal(PassOutcome.Suspended, pass.Outcome);
        Assert.NotSame(first.Plan, pass.Plan);
    }

    [Fact]
    public async Task The_once_a_minute_record_of_the_last_success_is_made_by_a_full_pass()
    {
        var (reconciler, first) = await InSyncAsync();
        var before = (await _store.GetStackAsync("shop", CancellationToken.None))!.LastSuccessAt;

        _time.Advance(StackReconciler.InSyncRecordInterval + TimeSpan.FromSeconds(1));
        var pass = await PassAsync(reconciler);

        Assert.NotSame(first.Plan, pass.Plan);
        Assert.True((await _store.GetStackAsync("shop", CancellationToken.None))!.LastSuccessAt > before);
        // The pass after a write is a full one too (the record it starts from is new); then quiet again.
        var after = await PassAsync(reconciler);
        Assert.Same(after.Plan, (await PassAsync(reconciler)).Plan);
    }

    [Fact]
    public async Task A_rendered_tree_deleted_by_hand_is_rendered_again_by_the_next_tick()
    {
        var (reconciler, first) = await InSyncAsync();
        Directory.Delete(reconciler.TreeDirectory, recursive: true);

        var pass = await PassAsync(reconciler);

        Assert.NotSame(first.Plan, pass.Plan);
        Assert.True(File.Exists(Path.Combine(reconciler.TreeDirectory, "shop", "compose.yaml")));
    }

    [Fact]
    public async Task A_plan_that_depends_on_the_clock_is_never_repeated()
    {
        var (reconciler, first) = await InSyncAsync(pullPolicy: "daily");

        var pass = await PassAsync(reconciler);

        Assert.Equal(PassOutcome.Noop, pass.Outcome);
        Assert.NotSame(first.Plan, pass.Plan);
    }

    [Fact]
    public async Task An_engine_read_that_asks_the_engine_every_time_never_gives_a_quiet_answer()
    {
        _engine.AnswersFromMemory = false;
        var (reconciler, first) = await InSyncAsync();

        var pass = await PassAsync(reconciler);

        Assert.Equal(PassOutcome.Noop, pass.Outcome);
        Assert.NotSame(first.Plan, pass.Plan);
    }

    [Fact]
    public async Task A_poll_or_webhook_always_takes_the_full_pass()
    {
        var (reconciler, first) = await InSyncAsync();

        var pass = await PassAsync(reconciler, Trigger.Webhook);

        Assert.Equal(PassOutcome.Noop, pass.Outcome);
        Assert.NotSame(first.Plan, pass.Plan);
    }
}
