using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using Reconciler.Observability;
using static Reconciler.Tests.Observability.FakeEngine;

namespace Reconciler.Tests.Observability;

public sealed class ContainerEventWatcherTests : IDisposable
{
    private readonly FakeEngine _engine = new("shop");
    private readonly ManualTime _time = new(T0 + TimeSpan.FromMinutes(10));
    private readonly string _dir = Directory.CreateTempSubdirectory("obs-watcher-").FullName;
    private readonly List<StackHealth> _health = [];
    private CollectorRegistry _registry = Metrics.NewCustomRegistry();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ContainerEventWatcher NewWatcher(TimeSpan? retry = null)
    {
        // A fresh registry per watcher: what a restarted daemon process starts from.
        _registry = Metrics.NewCustomRegistry();
        return new ContainerEventWatcher("shop", "shop", _engine, _engine, _engine, new ReconcilerMetrics(_registry),
            ContainerLedgerFile.For(_dir, "shop"), (_, h) => _health.Add(h), _time, NullLogger.Instance)
        {
            RetryDelay = retry ?? TimeSpan.FromSeconds(1),
        };
    }

    private string Sample(string name, string labels) =>
        Exposition.Samples(Exposition.Of(_registry), name).SingleOrDefault(l => l.StartsWith($"{name}{{{labels}}} ", StringComparison.Ordinal))
        ?? $"(no {name}{{{labels}}})";

    private string Restarts(string service = "web") => Sample("reconciler_container_restarts_total", $"stack=\"shop\",service=\"{service}\"");

    private static TimeSpan M(double minutes) => TimeSpan.FromMinutes(minutes);

    [Fact]
    public async Task Restart_policy_restarts_between_passes_count_once_each_however_often_their_events_arrive()
    {
        _engine.Set("web", Running("c1", 0, T0));
        _engine.Stream(
            _engine.Emit("c1", "die", T0 + M(1), () => _engine.Set("web", Exited("c1", 1, T0, T0 + M(1), status: "restarting"))),
            _engine.Emit("c1", "start", T0 + M(1.1), () => _engine.Set("web", Running("c1", 1, T0 + M(1.1)))),
            _engine.Emit("c1", "start", T0 + M(1.1)),                   // the same event again (a reconnect replays it)
            _engine.Emit("c1", "exec_start: sh -c true", T0 + M(1.5)), // healthcheck noise: not even inspected
            _engine.Emit("c1", "die", T0 + M(2), () => _engine.Set("web", Exited("c1", 2, T0 + M(1.1), T0 + M(2), status: "restarting"))),
            _engine.Emit("c1", "start", T0 + M(2.1), () => _engine.Set("web", Running("c1", 2, T0 + M(2.1)))));

        await NewWatcher().RunOnceAsync(CancellationToken.None);

        Assert.Equal("""reconciler_container_restarts_total{stack="shop",service="web"} 2""", Restarts());
        Assert.Equal(1 + 5, _engine.Inspects); // the catch-up look, then one per state-changing event
        Assert.Equal("""reconciler_container_state{stack="shop",service="web",state="running"} 1""",
            Sample("reconciler_container_state", "stack=\"shop\",service=\"web\",state=\"running\""));
        Assert.Equal("""reconciler_container_state{stack="shop",service="web",state="restarting"} 0""",
            Sample("reconciler_container_state", "stack=\"shop\",service=\"web\",state=\"restarting\""));
    }

    [Fact]
    public async Task A_docker_restart_counts_once_though_it_emits_kill_die_stop_start_and_restart()
    {
        // Seen for the first time with 2 restart-policy restarts behind it: those were never counted, so they count now.
        _engine.Set("web", Running("c1", 2, T0));
        _engine.Stream(
            _engine.Emit("c1", "kill", T0 + M(1)),
            _engine.Emit("c1", "die", T0 + M(1), () => _engine.Set("web", Exited("c1", 2, T0, T0 + M(1), exitCode: 0))),
            _engine.Emit("c1", "stop", T0 + M(1)),
            // A manual start resets the engine's RestartCount.
            _engine.Emit("c1", "start", T0 + M(1.1), () => _engine.Set("web", Running("c1", 0, T0 + M(1.1)))),
            _engine.Emit("c1", "restart", T0 + M(1.1)));

        await NewWatcher().RunOnceAsync(CancellationToken.None);

        Assert.Equal("""reconciler_container_restarts_total{stack="shop",service="web"} 3""", Restarts());
    }

    [Fact]
    public async Task Restarts_that_happened_before_the_inspect_caught_up_are_counted_once()
    {
        _engine.Set("web", Running("c1", 0, T0));
        _engine.Stream(
            // By the time the first start event is read, the container has crashed and restarted once more.
            _engine.Emit("c1", "start", T0 + M(1), () => _engine.Set("web", Running("c1", 2, T0 + M(1.5)))),
            _engine.Emit("c1", "start", T0 + M(1.5)));

        await NewWatcher().RunOnceAsync(CancellationToken.None);

        Assert.Equal("""reconciler_container_restarts_total{stack="shop",service="web"} 2""", Restarts());
    }

    [Fact]
    public async Task A_daemon_restart_neither_counts_again_nor_loses_restarts_made_while_it_was_down()
    {
        _engine.Set("web", Running("c1", 0, T0));
        _engine.Stream(
            _engine.Emit("c1", "start", T0 + M(1), () => _engine.Set("web", Running("c1", 1, T0 + M(1)))),
            _engine.Emit("c1", "start", T0 + M(2), () => _engine.Set("web", Running("c1", 2, T0 + M(2)))));
        await NewWatcher().RunOnceAsync(CancellationToken.None);
        Assert.Equal("""reconciler_container_restarts_total{stack="shop",service="web"} 2""", Restarts());

        // The daemon restarts; nothing happened meanwhile: the counter carries on at 2 (not 0, not 4).
        _engine.Stream();
        await NewWatcher().RunOnceAsync(CancellationToken.None);
        Assert.Equal("""reconciler_container_restarts_total{stack="shop",service="web"} 2""", Restarts());

        // Down again; the restart policy restarts the container once meanwhile: counted once, at the next start-up.
        _engine.Set("web", Running("c1", 3, T0 + M(5)));
        _engine.Stream();
        await NewWatcher().RunOnceAsync(CancellationToken.None);
        Assert.Equal("""reconciler_container_restarts_total{stack="shop",service="web"} 3""", Restarts());
    }

    [Fact]
    public async Task A_new_container_s_first_start_is_not_a_restart()
    {
        _engine.Stream(
            _engine.Emit("c9", "create", T0 + M(1), () => _engine.Set("web", new Reconciler.Docker.ContainerRuntimeState { Id = "c9", Name = "c9", Status = "created" })),
            _engine.Emit("c9", "start", T0 + M(1), () => _engine.Set("web", Running("c9", 0, T0 + M(1)))));

        await NewWatcher().RunOnceAsync(CancellationToken.None);

        Assert.Equal("""reconciler_container_restarts_total{stack="shop",service="web"} 0""", Restarts());
    }

    [Fact]
    public async Task An_oom_kill_counts_once_from_its_event_and_the_inspect_that_shows_it()
    {
        _engine.Set("web", Running("c1", 0, T0));
        _engine.Stream(
            _engine.Emit("c1", "oom", T0 + M(1)),
            _engine.Emit("c1", "die", T0 + M(1), () => _engine.Set("web", Exited("c1", 1, T0, T0 + M(1), exitCode: 137, oom: true, status: "restarting"))),
            _engine.Emit("c1", "start", T0 + M(1.1), () => _engine.Set("web", Running("c1", 1, T0 + M(1.1)))),
            // An OOM whose container restarted before it could be inspected still counts.
            _engine.Emit("c1", "oom", T0 + M(2)),
            _engine.Emit("c1", "start", T0 + M(2.1), () => _engine.Set("web", Running("c1", 2, T0 + M(2.1)))));

        await NewWatcher().RunOnceAsync(CancellationToken.None);

        Assert.Equal("""reconciler_container_oom_kills_total{stack="shop",service="web"} 2""",
            Sample("reconciler_container_oom_kills_total", "stack=\"shop\",service=\"web\""));
        Assert.Equal("""reconciler_container_restarts_total{stack="shop",service="web"} 2""", Restarts());
    }

    [Fact]
    public async Task Three_restarts_in_five_minutes_raise_the_crash_loop_signal_until_they_age_out()
    {
        _time.Advance(-M(10) + M(3)); // now = T0 + 3m
        _engine.Set("web", Running("c1", 0, T0));
        _engine.Stream(
            _engine.Emit("c1", "start", T0 + M(1), () => _engine.Set("web", Running("c1", 1, T0 + M(1)))),
            _engine.Emit("c1", "start", T0 + M(2), () => _engine.Set("web", Running("c1", 2, T0 + M(2)))),
            _engine.Emit("c1", "die", T0 + M(3), () => _engine.Set("web", Exited("c1", 3, T0 + M(2), T0 + M(3), status: "restarting"))),
            _engine.Emit("c1", "start", T0 + M(3), () => _engine.Set("web", Running("c1", 3, T0 + M(3)))));

        await NewWatcher().RunOnceAsync(CancellationToken.None);

        Assert.Equal("""reconciler_container_crashloop{stack="shop",service="web"} 1""",
            Sample("reconciler_container_crashloop", "stack=\"shop\",service=\"web\""));
        Assert.Equal(StackHealth.Degraded, _health[^1]);

        _time.Advance(M(6));
        Assert.Equal("""reconciler_container_crashloop{stack="shop",service="web"} 0""",
            Sample("reconciler_container_crashloop", "stack=\"shop\",service=\"web\""));
        Assert.Equal(StackHealth.Healthy, _health[^1]);
    }

    [Fact]
    public async Task States_are_counted_per_service_and_fall_to_zero_when_a_container_goes()
    {
        _engine.Set("web", Running("c1", 0, T0, health: "unhealthy"));
        _engine.Set("worker", Exited("c2", 0, T0, T0 + M(1), exitCode: 2));
        var watcher = NewWatcher();
        _engine.Stream();
        await watcher.RunOnceAsync(CancellationToken.None);

        Assert.Equal(
        [
            """reconciler_container_state{stack="shop",service="web",state="exited"} 0""",
            """reconciler_container_state{stack="shop",service="web",state="restarting"} 0""",
            """reconciler_container_state{stack="shop",service="web",state="running"} 0""",
            """reconciler_container_state{stack="shop",service="web",state="unhealthy"} 1""",
            """reconciler_container_state{stack="shop",service="worker",state="exited"} 1""",
            """reconciler_container_state{stack="shop",service="worker",state="restarting"} 0""",
            """reconciler_container_state{stack="shop",service="worker",state="running"} 0""",
            """reconciler_container_state{stack="shop",service="worker",state="unhealthy"} 0""",
        ], Exposition.Samples(Exposition.Of(_registry), "reconciler_container_state"));
        Assert.Equal(StackHealth.Degraded, _health[^1]);

        _engine.Stream(_engine.Emit("c2", "destroy", T0 + M(2), () => _engine.Remove("c2")));
        await watcher.RunOnceAsync(CancellationToken.None);

        Assert.Equal("""reconciler_container_state{stack="shop",service="worker",state="exited"} 0""",
            Sample("reconciler_container_state", "stack=\"shop\",service=\"worker\",state=\"exited\""));
    }

    [Fact]
    public async Task Reconnects_with_backoff_when_the_engine_closes_the_stream()
    {
        _engine.Set("web", Running("c1", 0, T0));
        _engine.Stream(); // the engine restarts right away
        _engine.Stream(_engine.Emit("c1", "start", T0 + M(1), () => _engine.Set("web", Running("c1", 1, T0 + M(1)))));
        var watcher = NewWatcher(retry: TimeSpan.FromMilliseconds(10));

        await watcher.StartAsync(CancellationToken.None);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Restarts().EndsWith(" 1", StringComparison.Ordinal) is false && DateTime.UtcNow < deadline) await Task.Delay(20);
        }
        finally
        {
            await watcher.StopAsync(CancellationToken.None);
        }

        Assert.Equal("""reconciler_container_restarts_total{stack="shop",service="web"} 1""", Restarts());
        Assert.True(_engine.Connects >= 2, $"connected {_engine.Connects} times");
    }
}
