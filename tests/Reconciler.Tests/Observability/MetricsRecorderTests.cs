using Reconciler.Core.Policy;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using Reconciler.Configuration;
using Reconciler.Daemon;
using Reconciler.Observability;

namespace Reconciler.Tests.Observability;

public class MetricsRecorderTests
{
    private const string Sha1 = "1111111111111111111111111111111111111111";
    private const string Sha2 = "2222222222222222222222222222222222222222";

    private static readonly DaemonConfig Config = new()
    {
        Path = "/etc/reconciler/config.yaml",
        StateDir = "/var/lib/reconciler",
        Repos = [new RepoConfig { Name = "apps", Url = "https://git.example/apps.git", Branch = "main" }],
        Stacks = [new StackConfig { Name = "shop", Repo = "apps", Path = "shop" }],
    };

    private readonly ManualTime _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly DaemonStatus _status;
    private readonly MetricsRecorder _recorder;

    public MetricsRecorderTests()
    {
        _status = new DaemonStatus(_time);
        _recorder = new MetricsRecorder(Config, _status, new ReconcilerMetrics(_registry), _time, NullLogger<MetricsRecorder>.Instance);
        _recorder.Attach();
    }

    private static StackPassResult Pass(PassOutcome outcome, string? commit = Sha1, params DriftItem[] drift) => new()
    {
        Stack = "shop",
        Commit = commit,
        Outcome = outcome,
        Drift = drift,
        Duration = TimeSpan.FromSeconds(0.3),
    };

    private IReadOnlyList<string> Samples(string name) => Exposition.Samples(Exposition.Of(_registry), name);

    [Fact]
    public void A_swarm_pass_sets_desired_and_running_replicas_and_a_service_gone_falls_to_zero()
    {
        _status.StackPassed(Pass(PassOutcome.Noop) with { Replicas = [new("shop_web", 3, 2), new("shop_worker", 1, 1)] }, Trigger.Drift);

        Assert.Equal(
        [
            """reconciler_service_replicas{stack="shop",service="shop_web",state="desired"} 3""",
            """reconciler_service_replicas{stack="shop",service="shop_web",state="running"} 2""",
            """reconciler_service_replicas{stack="shop",service="shop_worker",state="desired"} 1""",
            """reconciler_service_replicas{stack="shop",service="shop_worker",state="running"} 1""",
        ], Samples("reconciler_service_replicas").Order(StringComparer.Ordinal));

        _status.StackPassed(Pass(PassOutcome.Applied) with { Replicas = [new("shop_web", 3, 3)] }, Trigger.Poll);
        Assert.Contains("""reconciler_service_replicas{stack="shop",service="shop_web",state="running"} 3""", Samples("reconciler_service_replicas"));
        Assert.Contains("""reconciler_service_replicas{stack="shop",service="shop_worker",state="desired"} 0""", Samples("reconciler_service_replicas"));

        // A host stack's pass says nothing about replicas: the last values stay.
        _status.StackPassed(Pass(PassOutcome.Noop), Trigger.Drift);
        Assert.Contains("""reconciler_service_replicas{stack="shop",service="shop_web",state="running"} 3""", Samples("reconciler_service_replicas"));
    }

    [Fact]
    public void A_rollback_is_counted_once_and_the_held_commit_shows_as_held_not_as_new_errors()
    {
        _status.StackPassed(Pass(PassOutcome.Failed, Sha2) with { FailedPhase = "health", Error = "web exited", RolledBack = true }, Trigger.Poll);
        for (var i = 0; i < 20; i++)
            _status.StackPassed(Pass(PassOutcome.Failed, Sha2) with { FailedPhase = "load", Error = "web exited", Held = true, Repeated = true }, Trigger.Drift);

        Assert.Equal(["""reconciler_rollbacks_total{stack="shop"} 1"""], Samples("reconciler_rollbacks_total"));
        Assert.Equal(["""reconciler_stack_held{stack="shop"} 1"""], Samples("reconciler_stack_held"));
        Assert.Contains("""reconciler_stack_errors_total{stack="shop",phase="health"} 1""", Samples("reconciler_stack_errors_total"));
        Assert.Contains("""reconciler_stack_errors_total{stack="shop",phase="load"} 0""", Samples("reconciler_stack_errors_total"));
        Assert.Single(Samples("reconciler_stack_info"), s => s.Contains("sync_status=\"failed\"", StringComparison.Ordinal));

        _status.StackPassed(Pass(PassOutcome.Applied, Sha1), Trigger.Poll);

        Assert.Equal(["""reconciler_stack_held{stack="shop"} 0"""], Samples("reconciler_stack_held"));
        Assert.Equal(["""reconciler_rollbacks_total{stack="shop"} 1"""], Samples("reconciler_rollbacks_total"));
    }

    [Fact]
    public void A_sequence_of_passes_becomes_counters_a_histogram_and_in_sync()
    {
        _status.StackPassed(Pass(PassOutcome.Applied) with
        {
            Actions = 2,
            Done = [("web", "pull"), ("web", "recreate")],
            Duration = TimeSpan.FromSeconds(4),
        }, Trigger.Poll);
        _time.Advance(TimeSpan.FromMinutes(1));
        _status.StackPassed(Pass(PassOutcome.Noop), Trigger.Drift);
        _status.StackPassed(Pass(PassOutcome.Failed) with { FailedPhase = "apply", Error = "engine went away" }, Trigger.Drift);

        Assert.Equal(
        [
            """reconciler_reconciles_total{stack="shop",result="applied"} 1""",
            """reconciler_reconciles_total{stack="shop",result="failed"} 1""",
            """reconciler_reconciles_total{stack="shop",result="noop"} 1""",
        ], Samples("reconciler_reconciles_total"));
        Assert.Equal(
        [
            """reconciler_actions_total{stack="shop",service="web",action="pull"} 1""",
            """reconciler_actions_total{stack="shop",service="web",action="recreate"} 1""",
        ], Samples("reconciler_actions_total"));
        Assert.Contains("""reconciler_stack_errors_total{stack="shop",phase="apply"} 1""", Samples("reconciler_stack_errors_total"));
        Assert.Contains("""reconciler_stack_errors_total{stack="shop",phase="load"} 0""", Samples("reconciler_stack_errors_total"));
        var durations = Samples("reconciler_reconcile_duration_seconds_bucket");
        Assert.Contains("""reconciler_reconcile_duration_seconds_bucket{stack="shop",result="applied",le="2.5"} 0""", durations);
        Assert.Contains("""reconciler_reconcile_duration_seconds_bucket{stack="shop",result="applied",le="5"} 1""", durations);
        Assert.Contains("""reconciler_reconcile_duration_seconds_count{stack="shop",result="noop"} 1""", Samples("reconciler_reconcile_duration_seconds_count"));
        // The failed pass put the stack out of sync; the last success stays the noop pass a minute in.
        Assert.Equal(["""reconciler_stack_in_sync{stack="shop"} 0"""], Samples("reconciler_stack_in_sync"));
        Assert.Equal(["""reconciler_stack_last_success_timestamp_seconds{stack="shop"} 1700000060"""],
            Samples("reconciler_stack_last_success_timestamp_seconds"));
    }

    [Fact]
    public void Series_exist_at_zero_before_the_first_pass_so_rates_see_the_first_event()
    {
        Assert.Equal(["""reconciler_stack_in_sync{stack="shop"} 0"""], Samples("reconciler_stack_in_sync"));
        Assert.Equal(3, Samples("reconciler_reconciles_total").Count(l => l.EndsWith(" 0", StringComparison.Ordinal)));
        Assert.Equal(
        [
            """reconciler_git_fetches_total{repo="apps",result="failed"} 0""",
            """reconciler_git_fetches_total{repo="apps",result="fetched"} 0""",
            """reconciler_git_fetches_total{repo="apps",result="unchanged"} 0""",
        ], Samples("reconciler_git_fetches_total"));
    }

    [Fact]
    public void Drift_is_counted_by_service_reason_and_field_and_falls_to_zero_instead_of_vanishing()
    {
        _status.StackPassed(Pass(PassOutcome.DriftReported, Sha1,
            new DriftItem("web", "config", ["environment", "ports"]),
            new DriftItem("web", "config", ["environment"]),
            new DriftItem("db", "stopped", [])), Trigger.Drift);

        Assert.Equal(
        [
            """reconciler_stack_drift{stack="shop",service="db",reason="stopped"} 1""",
            """reconciler_stack_drift{stack="shop",service="web",reason="config"} 2""",
        ], Samples("reconciler_stack_drift"));
        Assert.Equal(
        [
            """reconciler_stack_drift_fields{stack="shop",service="web",field="environment"} 2""",
            """reconciler_stack_drift_fields{stack="shop",service="web",field="ports"} 1""",
        ], Samples("reconciler_stack_drift_fields"));
        Assert.Equal(["""reconciler_stack_in_sync{stack="shop"} 0"""], Samples("reconciler_stack_in_sync"));

        _status.StackPassed(Pass(PassOutcome.Noop), Trigger.Drift);

        Assert.Equal(
        [
            """reconciler_stack_drift{stack="shop",service="db",reason="stopped"} 0""",
            """reconciler_stack_drift{stack="shop",service="web",reason="config"} 0""",
        ], Samples("reconciler_stack_drift"));
        Assert.Equal(
        [
            """reconciler_stack_drift_fields{stack="shop",service="web",field="environment"} 0""",
            """reconciler_stack_drift_fields{stack="shop",service="web",field="ports"} 0""",
        ], Samples("reconciler_stack_drift_fields"));
        Assert.Equal(["""reconciler_stack_in_sync{stack="shop"} 1"""], Samples("reconciler_stack_in_sync"));
    }

    [Fact]
    public void An_applied_pass_clears_the_drift_it_repaired()
    {
        _status.StackPassed(Pass(PassOutcome.DriftReported, Sha1, new DriftItem("web", "stopped", [])), Trigger.Drift);
        _status.StackPassed(Pass(PassOutcome.Applied, Sha1, new DriftItem("web", "stopped", [])) with { Done = [("web", "start")] }, Trigger.Drift);

        Assert.Equal(["""reconciler_stack_drift{stack="shop",service="web",reason="stopped"} 0"""], Samples("reconciler_stack_drift"));
    }

    [Fact]
    public void A_pass_that_failed_before_planning_keeps_the_last_known_drift()
    {
        _status.StackPassed(Pass(PassOutcome.DriftReported, Sha1, new DriftItem("web", "image", ["image"])), Trigger.Drift);
        _status.StackPassed(Pass(PassOutcome.Failed, Sha2) with { FailedPhase = "load", Error = "compose.yaml:3:1: …" }, Trigger.Poll);

        Assert.Equal(["""reconciler_stack_drift{stack="shop",service="web",reason="image"} 1"""], Samples("reconciler_stack_drift"));
    }

    [Fact]
    public void Stack_info_is_one_series_per_stack_replaced_when_commit_or_status_changes()
    {
        _status.StackPassed(Pass(PassOutcome.Applied, Sha1), Trigger.Poll);
        Assert.Equal([$$"""reconciler_stack_info{stack="shop",repo="apps",branch="main",commit="{{Sha1}}",sync_status="synced",health_status="healthy"} 1"""],
            Samples("reconciler_stack_info"));

        _status.StackPassed(Pass(PassOutcome.DriftReported, Sha1, new DriftItem("web", "stopped", [])), Trigger.Drift);
        Assert.Equal([$$"""reconciler_stack_info{stack="shop",repo="apps",branch="main",commit="{{Sha1}}",sync_status="out_of_sync",health_status="degraded"} 1"""],
            Samples("reconciler_stack_info"));

        _status.StackPassed(Pass(PassOutcome.Failed, Sha2) with { FailedPhase = "health", Error = "rollout failed" }, Trigger.Poll);
        Assert.Equal([$$"""reconciler_stack_info{stack="shop",repo="apps",branch="main",commit="{{Sha2}}",sync_status="failed",health_status="degraded"} 1"""],
            Samples("reconciler_stack_info"));

        _status.StackPassed(Pass(PassOutcome.Suspended, Sha2), Trigger.Drift);
        Assert.Equal([$$"""reconciler_stack_info{stack="shop",repo="apps",branch="main",commit="{{Sha2}}",sync_status="suspended",health_status="healthy"} 1"""],
            Samples("reconciler_stack_info"));
    }

    [Fact]
    public void A_pass_without_a_commit_keeps_the_last_known_commit_in_stack_info()
    {
        _status.StackPassed(Pass(PassOutcome.Applied, Sha1), Trigger.Poll);
        _status.StackPassed(Pass(PassOutcome.Failed, commit: null) with { FailedPhase = "internal", Error = "bug" }, Trigger.Poll);

        Assert.Equal([$$"""reconciler_stack_info{stack="shop",repo="apps",branch="main",commit="{{Sha1}}",sync_status="failed",health_status="healthy"} 1"""],
            Samples("reconciler_stack_info"));
        Assert.Contains("""reconciler_stack_errors_total{stack="shop",phase="internal"} 1""", Samples("reconciler_stack_errors_total"));
    }

    [Fact]
    public void Container_health_from_the_watcher_degrades_stack_info_until_it_recovers()
    {
        _status.StackPassed(Pass(PassOutcome.Noop, Sha1), Trigger.Drift);

        _recorder.ContainersChanged("shop", StackHealth.Degraded);
        Assert.Equal([$$"""reconciler_stack_info{stack="shop",repo="apps",branch="main",commit="{{Sha1}}",sync_status="synced",health_status="degraded"} 1"""],
            Samples("reconciler_stack_info"));

        _recorder.ContainersChanged("shop", StackHealth.Healthy);
        Assert.Equal([$$"""reconciler_stack_info{stack="shop",repo="apps",branch="main",commit="{{Sha1}}",sync_status="synced",health_status="healthy"} 1"""],
            Samples("reconciler_stack_info"));
    }

    [Fact]
    public void A_waiting_pass_counts_nothing()
    {
        _status.StackPassed(Pass(PassOutcome.Waiting, commit: null) with { Error = "waiting for the first fetch of the repo" }, Trigger.Startup);

        Assert.All(Samples("reconciler_reconciles_total"), l => Assert.EndsWith(" 0", l));
        Assert.Empty(Samples("reconciler_stack_info"));
    }

    [Fact]
    public void Fetches_are_counted_by_result_and_a_failure_counts_as_an_error_of_the_repos_stacks()
    {
        _status.CountFetch("apps", "fetched");
        _status.CountFetch("apps", "unchanged");
        _status.CountFetch("apps", "unchanged");
        _status.CountFetch("apps", "failed");

        Assert.Equal(
        [
            """reconciler_git_fetches_total{repo="apps",result="failed"} 1""",
            """reconciler_git_fetches_total{repo="apps",result="fetched"} 1""",
            """reconciler_git_fetches_total{repo="apps",result="unchanged"} 2""",
        ], Samples("reconciler_git_fetches_total"));
        Assert.Contains("""reconciler_stack_errors_total{stack="shop",phase="fetch"} 1""", Samples("reconciler_stack_errors_total"));
    }

    [Fact]
    public void Git_head_and_last_fetch_time_are_read_at_scrape_time_and_the_head_series_is_replaced()
    {
        _status.ExpectRepo("apps");
        Assert.Empty(Samples("reconciler_git_head_info"));
        Assert.Empty(Samples("reconciler_git_last_fetch_timestamp_seconds"));

        _status.RepoFetched("apps", DateTimeOffset.FromUnixTimeSeconds(1_700_000_100), Sha1);
        Assert.Equal([$$"""reconciler_git_head_info{repo="apps",branch="main",commit="{{Sha1}}"} 1"""], Samples("reconciler_git_head_info"));
        Assert.Equal(["""reconciler_git_last_fetch_timestamp_seconds{repo="apps"} 1700000100"""], Samples("reconciler_git_last_fetch_timestamp_seconds"));

        _status.RepoFetched("apps", DateTimeOffset.FromUnixTimeSeconds(1_700_000_200), Sha2);
        Assert.Equal([$$"""reconciler_git_head_info{repo="apps",branch="main",commit="{{Sha2}}"} 1"""], Samples("reconciler_git_head_info"));
        Assert.Equal(["""reconciler_git_last_fetch_timestamp_seconds{repo="apps"} 1700000200"""], Samples("reconciler_git_last_fetch_timestamp_seconds"));
    }

    [Fact]
    public void Build_info_carries_the_version()
    {
        Assert.Equal([$$"""reconciler_build_info{version="{{ReconcilerMetrics.Version}}"} 1"""], Samples("reconciler_build_info"));
        Assert.DoesNotContain('+', ReconcilerMetrics.Version);
    }

    [Fact]
    public void Notification_deliveries_are_counted_by_provider_and_result_from_zero_for_configured_providers()
    {
        var registry = Metrics.NewCustomRegistry();
        var status = new DaemonStatus(_time);
        var config = Config with
        {
            Repos = [Config.Repos[0] with { Forge = new ForgeSettings { Provider = ForgeProvider.GitHub, ApiUrl = new Uri("https://api.github.com"), TokenFile = "/t", Repository = "a/b" } }],
            Notifications = new NotificationSettings { Providers = [new NotifierSettings { Name = "chat", Kind = NotifierKind.Slack, UrlFile = "/u" }] },
        };
        new MetricsRecorder(config, status, new ReconcilerMetrics(registry), _time, NullLogger<MetricsRecorder>.Instance).Attach();

        status.CountNotification("chat", "retried");
        status.CountNotification("chat", "sent");
        status.CountNotification("forge:apps", "failed");

        var samples = Exposition.Samples(Exposition.Of(registry), "reconciler_notifications_total");
        Assert.Contains("""reconciler_notifications_total{provider="chat",result="retried"} 1""", samples);
        Assert.Contains("""reconciler_notifications_total{provider="chat",result="sent"} 1""", samples);
        Assert.Contains("""reconciler_notifications_total{provider="chat",result="dropped"} 0""", samples);
        Assert.Contains("""reconciler_notifications_total{provider="forge:apps",result="failed"} 1""", samples);
        Assert.Contains("""reconciler_notifications_total{provider="forge:apps",result="sent"} 0""", samples);
    }
}
