using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using Reconciler.Configuration;
using Reconciler.Core.Policy;
using Reconciler.Core.Swarm;
using Reconciler.Daemon;
using Reconciler.Observability;

namespace Reconciler.Tests.Observability;

/// <summary><c>reconciler_service_task_restarts_total</c>: counted from the tasks each Swarm pass saw, once per task, across daemon restarts.</summary>
public sealed class SwarmTaskRestartMetricsTests : IDisposable
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private readonly string _stateDir = Directory.CreateTempSubdirectory("swarm-tally-").FullName;

    public void Dispose() => Directory.Delete(_stateDir, recursive: true);

    private DaemonConfig Config => new()
    {
        Path = "/c.yaml",
        StateDir = _stateDir,
        Repos = [new RepoConfig { Name = "apps", Url = "https://git.example/apps.git" }],
        Stacks = [new StackConfig { Name = "shop", Repo = "apps", Path = "shop", Engine = StackEngine.Swarm }],
    };

    /// <summary>A daemon's recorder over a fresh registry (a new process after a restart).</summary>
    private (DaemonStatus Status, CollectorRegistry Registry) Daemon()
    {
        var registry = Metrics.NewCustomRegistry();
        var time = new ManualTime(T0);
        var status = new DaemonStatus(time);
        new MetricsRecorder(Config, status, new ReconcilerMetrics(registry), time, NullLogger<MetricsRecorder>.Instance).Attach();
        return (status, registry);
    }

    private static ObservedSwarmTask Task(string id, string slot, string state, int second) =>
        new(id, slot, state, state == "running" ? "running" : "shutdown", T0.AddSeconds(second), "spec-1");

    private static StackPassResult Pass(params ObservedSwarmTask[] crashTasks)
    {
        IReadOnlyList<SwarmServiceTasks> tasks =
        [
            new("shop_crash", 1, [.. crashTasks]),
            new("shop_web", 2, [Task("w1", "1", "running", 0), Task("w2", "2", "running", 0)]),
        ];
        return new StackPassResult
        {
            Stack = "shop", Commit = "1111111111111111111111111111111111111111", Outcome = PassOutcome.Noop,
            SwarmTasks = tasks, Replicas = [.. tasks.Select(t => new ServiceReplicas(t.Service, t.DesiredTasks, t.RunningTasks))],
        };
    }

    private static string[] Restarts(CollectorRegistry registry) =>
        [.. Exposition.Samples(Exposition.Of(registry), "reconciler_service_task_restarts_total").Order(StringComparer.Ordinal)];

    [Fact]
    public void Each_replaced_failed_task_counts_once_however_many_passes_see_it()
    {
        var (status, registry) = Daemon();

        status.StackPassed(Pass(Task("c1", "1", "running", 0)), Trigger.Poll);
        Assert.Equal(
        [
            """reconciler_service_task_restarts_total{stack="shop",service="shop_crash"} 0""",
            """reconciler_service_task_restarts_total{stack="shop",service="shop_web"} 0""",
        ], Restarts(registry));

        var twoFailures = Pass(Task("c1", "1", "failed", 0), Task("c2", "1", "failed", 3), Task("c3", "1", "running", 6));
        status.StackPassed(twoFailures, Trigger.Drift);
        status.StackPassed(twoFailures, Trigger.Drift);
        Assert.Contains("""reconciler_service_task_restarts_total{stack="shop",service="shop_crash"} 2""", Restarts(registry));
        Assert.Contains("""reconciler_service_replicas{stack="shop",service="shop_crash",state="running"} 1""",
            Exposition.Samples(Exposition.Of(registry), "reconciler_service_replicas"));
    }

    [Fact]
    public void A_restarted_daemon_carries_on_from_the_saved_total_without_counting_the_history_again()
    {
        var history = Pass(Task("c1", "1", "failed", 0), Task("c2", "1", "running", 3));
        var (before, _) = Daemon();
        before.StackPassed(history, Trigger.Poll);
        Assert.True(File.Exists(Path.Combine(_stateDir, "metrics", "swarm-tasks-shop.json")));

        var (after, registry) = Daemon();
        after.StackPassed(history, Trigger.Poll);
        Assert.Contains("""reconciler_service_task_restarts_total{stack="shop",service="shop_crash"} 1""", Restarts(registry));

        after.StackPassed(Pass(Task("c1", "1", "failed", 0), Task("c2", "1", "failed", 3), Task("c3", "1", "running", 6)), Trigger.Drift);
        Assert.Contains("""reconciler_service_task_restarts_total{stack="shop",service="shop_crash"} 2""", Restarts(registry));
    }
}
