using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prometheus;
using Reconciler.Configuration;
using Reconciler.Core.Guardrails;
using Reconciler.Core.Policy;
using Reconciler.Daemon;
using Reconciler.Git;
using Reconciler.Observability;
using Reconciler.State;
using Reconciler.TestSupport;
using Reconciler.Tests.Observability;

namespace Reconciler.Tests.Daemon;

/// <summary>
/// The guardrails through whole passes: a real git repository and mirror, a real state store, the
/// engine in memory. A rule on deny refuses the commit with file:line and the running version stays;
/// on warn the commit deploys and the finding reaches the pass result, the state store (what
/// <c>reconciler status</c> prints), <c>/status</c> and <c>reconciler_policy_findings</c>; an
/// exception with a reason silences it.
/// </summary>
public sealed class GuardrailPassTests : IDisposable
{
    private const string Registry = "registry.test/shop";
    private readonly string _dir = Directory.CreateTempSubdirectory("guard-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    private readonly InMemoryEngine _engine;
    private readonly OriginRepository _origin;
    private readonly GitRepositoryMirror _mirror;
    private readonly SqliteStateStore _store;
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly DaemonStatus _status;

    public GuardrailPassTests()
    {
        _engine = new InMemoryEngine(_time);
        _origin = new OriginRepository(Path.Combine(_dir, "origin.git"), Path.Combine(_dir, "work"));
        _mirror = new GitRepositoryMirror(new GitRemote { Name = "infra", Url = _origin.FileUrl }, Path.Combine(_dir, "mirror"));
        _store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = Path.Combine(_dir, "state") }, _time);
        foreach (var tag in new[] { "1.0", "latest" }) _engine.Publish($"{Registry}/web:{tag}");
        _status = new DaemonStatus(_time);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Only mutable-tag is on, at <paramref name="level"/>: the other rules' findings would only add noise here.</summary>
    private static StackConfig Shop(RuleLevel level) => new()
    {
        Name = "shop", Repo = "infra", Path = "shop", HealthTimeout = TimeSpan.FromSeconds(30),
        Policy = GuardrailSettings.Default.With(GuardrailRules.All.Select(r => KeyValuePair.Create(r.Id, r.Id == GuardrailRules.MutableTag ? level : RuleLevel.Off))),
    };

    private StackReconciler Reconciler(StackConfig stack) =>
        new(stack, pruneStacks: false, _mirror, _engine, _store, Path.Combine(_dir, "state"), _time, NullLogger.Instance);

    private async Task<string> PushAsync(string tag, string extra = "")
    {
        var sha = _origin.Commit($"web {tag}", new Dictionary<string, string?>
        {
            ["shop/compose.yaml"] = $"services:\n  web:\n    image: {Registry}/web:{tag}\n{extra}",
        });
        await _mirror.FetchAsync();
        return sha;
    }

    private async Task<StackPassResult> PassAsync(StackReconciler reconciler)
    {
        var pass = reconciler.ReconcileAsync(Trigger.Poll, CancellationToken.None);
        while (!pass.IsCompleted)
        {
            _time.Advance(TimeSpan.FromMilliseconds(300));
            await Task.Delay(1);
        }
        var result = await pass;
        _status.StackPassed(result, Trigger.Poll);
        return result;
    }

    private async Task<StackState> StateAsync() => (await _store.GetStackAsync("shop", CancellationToken.None))!;

    private MetricsRecorder Recorder(StackConfig stack)
    {
        var config = new DaemonConfig
        {
            Path = Path.Combine(_dir, "config.yaml"),
            StateDir = _dir,
            Repos = [new RepoConfig { Name = "infra", Url = _origin.FileUrl }],
            Stacks = [stack],
        };
        var recorder = new MetricsRecorder(config, _status, new ReconcilerMetrics(_registry), _time, NullLogger<MetricsRecorder>.Instance);
        recorder.Attach();
        return recorder;
    }

    [Fact]
    public async Task On_deny_a_commit_with_latest_is_refused_with_file_and_line_and_the_running_version_stays()
    {
        await _store.OpenAsync(CancellationToken.None);
        var good = await PushAsync("1.0");
        var reconciler = Reconciler(Shop(RuleLevel.Deny));
        Assert.Equal(PassOutcome.Applied, (await PassAsync(reconciler)).Outcome);
        var bad = await PushAsync("latest");

        var refused = await PassAsync(reconciler);

        Assert.Equal((PassOutcome.Failed, "load", false), (refused.Outcome, refused.FailedPhase, refused.Transient));
        Assert.StartsWith("shop/compose.yaml:3: services.web.image: mutable-tag (policy: deny): image \"registry.test/shop/web:latest\" uses :latest", refused.Error, StringComparison.Ordinal);
        Assert.Equal(("running", $"{Registry}/web:1.0"), _engine.Project("shop")["shop-web-1"]);
        var state = await StateAsync();
        Assert.Equal((good, true), (state.LastAppliedCommit, state.IsFailedCommit(bad)));
        Assert.Equal(("shop/compose.yaml", 3), (state.LastError!.File, state.LastError.Line));

        // Not retried: the next pass holds the good commit without touching anything.
        var changes = _engine.Changes;
        var held = await PassAsync(reconciler);
        Assert.True(held.Held);
        Assert.Equal(changes, _engine.Changes);
    }

    [Fact]
    public async Task On_warn_the_commit_deploys_and_the_finding_shows_in_the_result_status_store_and_metrics()
    {
        await _store.OpenAsync(CancellationToken.None);
        var stack = Shop(RuleLevel.Warn);
        using var recorder = Recorder(stack);
        await PushAsync("latest");

        var result = await PassAsync(Reconciler(stack));

        Assert.Equal(PassOutcome.Applied, result.Outcome);
        Assert.Equal(("running", $"{Registry}/web:latest"), _engine.Project("shop")["shop-web-1"]);
        var finding = Assert.Single(result.Findings!);
        Assert.Equal(("mutable-tag", "web", RuleLevel.Warn, "shop/compose.yaml", 3), (finding.Rule, finding.Service, finding.Level, finding.Where!.Value.File, finding.Where.Value.Line));
        var line = Assert.Single((await StateAsync()).PolicyFindings);
        Assert.StartsWith("shop/compose.yaml:3:5: services.web.image: mutable-tag: image", line, StringComparison.Ordinal);
        var view = Assert.Single(Assert.Single(StatusDocument.From(_status).Stacks).Findings);
        Assert.Equal(("mutable-tag", "web", "warn", "shop/compose.yaml", 3, "services.web.image"), (view.Rule, view.Service, view.Level, view.File, view.Line, view.KeyPath));
        Assert.Equal(["""reconciler_policy_findings{stack="shop",service="web",rule="mutable-tag"} 1"""],
            Exposition.Samples(Exposition.Of(_registry), "reconciler_policy_findings"));
    }

    [Fact]
    public async Task An_exception_with_a_reason_silences_the_finding_everywhere()
    {
        await _store.OpenAsync(CancellationToken.None);
        var stack = Shop(RuleLevel.Deny);
        using var recorder = Recorder(stack);
        var reconciler = Reconciler(stack with { Policy = stack.Policy.With([new(GuardrailRules.MutableTag, RuleLevel.Warn)]) });
        await PushAsync("latest");
        await PassAsync(reconciler);
        Assert.Single((await StateAsync()).PolicyFindings);

        await PushAsync("latest", "    x-reconciler:\n      allow:\n        - rule: mutable-tag\n          reason: the vendor publishes only latest\n");
        var allowed = await PassAsync(reconciler);

        Assert.Equal(PassOutcome.Noop, allowed.Outcome);
        Assert.Empty(allowed.Findings!);
        Assert.Empty((await StateAsync()).PolicyFindings);
        Assert.Empty(Assert.Single(StatusDocument.From(_status).Stacks).Findings);
        Assert.Equal(["""reconciler_policy_findings{stack="shop",service="web",rule="mutable-tag"} 0"""],
            Exposition.Samples(Exposition.Of(_registry), "reconciler_policy_findings"));

        // And on deny too: the exception lets the commit deploy.
        var denying = Reconciler(stack);
        Assert.NotEqual(PassOutcome.Failed, (await PassAsync(denying)).Outcome);
    }

    [Fact]
    public async Task An_exception_without_a_reason_makes_the_commit_invalid_at_its_line()
    {
        await _store.OpenAsync(CancellationToken.None);
        await PushAsync("latest", "    x-reconciler:\n      allow: [mutable-tag]\n");

        var result = await PassAsync(Reconciler(Shop(RuleLevel.Warn)));

        Assert.Equal((PassOutcome.Failed, "load"), (result.Outcome, result.FailedPhase));
        Assert.StartsWith("shop/compose.yaml:5: services.web.x-reconciler.allow[0]: an exception needs a reason", result.Error, StringComparison.Ordinal);
        Assert.Empty(_engine.Project("shop"));
    }
}
