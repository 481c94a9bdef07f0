using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Reconciler.Configuration;
using Reconciler.Core.Images;
using Reconciler.Core.Policy;
using Reconciler.Daemon;
using Reconciler.Git;
using Reconciler.State;
using Reconciler.TestSupport;

namespace Reconciler.Tests.Daemon;

/// <summary>
/// Whole passes over a stack that builds its image (<c>build:</c>), in-process: real git, mirror,
/// rendered tree and state store, the builder in memory. What the host does with builds: digests per
/// commit, built images recorded for image GC, a failed build as the commit's own failure.
/// </summary>
public sealed class BuildPassTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("build-pass-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    private readonly InMemoryEngine _engine;
    private readonly OriginRepository _origin;
    private readonly GitRepositoryMirror _mirror;
    private readonly SqliteStateStore _store;

    public BuildPassTests()
    {
        _engine = new InMemoryEngine(_time);
        _origin = new OriginRepository(Path.Combine(_dir, "origin.git"), Path.Combine(_dir, "work"));
        _mirror = new GitRepositoryMirror(new GitRemote { Name = "infra", Url = _origin.FileUrl }, Path.Combine(_dir, "mirror"));
        _store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = Path.Combine(_dir, "state") }, _time);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private StackReconciler Reconciler() =>
        new(new StackConfig { Name = "shop", Repo = "infra", Path = "shop", HealthTimeout = TimeSpan.FromSeconds(30) },
            pruneStacks: false, _mirror, _engine, _store, Path.Combine(_dir, "state"), _time, NullLogger.Instance);

    private async Task<string> PushAsync(string subject, Dictionary<string, string?> files)
    {
        var sha = _origin.Commit(subject, files);
        await _mirror.FetchAsync();
        return sha;
    }

    private static Dictionary<string, string?> Stack(string page, string dockerfile = "FROM busybox\nCOPY page.html /srv/\n") => new()
    {
        ["shop/compose.yaml"] = "services:\n  web:\n    build: web\n",
        ["shop/web/Dockerfile"] = dockerfile,
        ["shop/web/page.html"] = page,
    };

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
    public async Task Built_images_are_recorded_as_Reconcilers_own_and_image_gc_keeps_the_rollback_target_but_not_older_ones()
    {
        await _store.OpenAsync(CancellationToken.None);
        var reconciler = Reconciler();
        await PushAsync("v1", Stack("v1"));
        Assert.Equal(PassOutcome.Applied, (await PassAsync(reconciler)).Outcome);
        var v1 = (await StateAsync()).LastGoodImages["web"];

        await PushAsync("v2", Stack("v2"));
        Assert.Equal(PassOutcome.Applied, (await PassAsync(reconciler)).Outcome);
        var v2 = (await StateAsync()).LastGoodImages["web"];
        await PushAsync("readme", new Dictionary<string, string?> { ["shop/README.md"] = "docs\n" });
        Assert.Equal(PassOutcome.Noop, (await PassAsync(reconciler)).Outcome);

        Assert.Equal(["shop-web", "shop-web"], _engine.Builds);
        Assert.NotEqual(v1, v2);
        var state = await StateAsync();
        Assert.Contains(v1, state.PulledImages.Keys);
        Assert.Contains(v2, state.PulledImages.Keys);

        // What image GC decides from that record, an hour later: v1 is a kept commit's (a rollback target).
        ImageGcDecision Decide(string id, int keep) => ImageCollection.Decide(new ImageGcInput
        {
            Images = [new LocalImage(id, [], [], 1000, _time.GetUtcNow())],
            UsedByContainers = new HashSet<string>(StringComparer.Ordinal),
            Kept = [.. state.GoodHistory.Take(keep).SelectMany(g => g.Images.Values), .. state.LastGoodImages.Values],
            Pulled = state.PulledImages,
            Now = _time.GetUtcNow() + TimeSpan.FromHours(2),
            GracePeriod = TimeSpan.FromHours(1),
        }).Single();
        Assert.Equal("a kept commit runs it", Decide(v1, keep: 3).Reason);
        Assert.True(Decide(v1, keep: 1).Remove);
    }

    [Fact]
    public async Task A_failed_build_fails_its_commit_with_the_builders_words_touches_nothing_and_is_not_retried()
    {
        await _store.OpenAsync(CancellationToken.None);
        var reconciler = Reconciler();
        await PushAsync("v1", Stack("v1"));
        Assert.Equal(PassOutcome.Applied, (await PassAsync(reconciler)).Outcome);
        var changes = _engine.Changes;
        var running = _engine.Project("shop");

        var broken = await PushAsync("broken", Stack("v2", "FROM busybox\nRUN exit 3\n"));
        var result = await PassAsync(reconciler);

        Assert.Equal(PassOutcome.Failed, result.Outcome);
        Assert.Contains("web: build image 'shop-web' failed: The command '/bin/sh -c exit 3' returned a non-zero code: 3", result.Error, StringComparison.Ordinal);
        Assert.True((await StateAsync()).IsFailedCommit(broken));
        Assert.Equal(changes, _engine.Changes);
        Assert.Equal(running, _engine.Project("shop"));

        var drift = await PassAsync(reconciler, Trigger.Drift);
        Assert.NotEqual(PassOutcome.Applied, drift.Outcome);
        Assert.Equal(["shop-web", "shop-web"], _engine.Builds); // the deploy's, the failed one; no retry
        Assert.Equal(running, _engine.Project("shop"));
    }

    [Fact]
    public async Task A_build_key_the_engines_builder_cannot_serve_fails_the_commit_at_its_line()
    {
        await _store.OpenAsync(CancellationToken.None);
        var files = Stack("v1");
        files["shop/compose.yaml"] = "services:\n  web:\n    build:\n      context: web\n      ssh: [default]\n";
        await PushAsync("ssh", files);

        var result = await PassAsync(Reconciler());

        Assert.Equal(PassOutcome.Failed, result.Outcome);
        Assert.StartsWith("shop/compose.yaml:5: services.web.build.ssh: not supported", result.Error, StringComparison.Ordinal);
        Assert.Empty(_engine.Builds);
    }
}
