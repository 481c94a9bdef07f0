using Reconciler.Core.Desired;
using Reconciler.Core.Planning;
using Reconciler.Daemon;
using Reconciler.Docker;

namespace Reconciler.Tests.Daemon;

/// <summary>
/// The health gate after a deploy, on a fake clock against scripted containers: each container's
/// state is a function of the time since the gate started. The clock moves one poll whenever the
/// gate waits (each poll is one timer), so the gate sees every state the script gives.
/// </summary>
public sealed class RolloutGateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly FakeClock _time = new();
    private readonly ScriptedContainers _containers;

    public RolloutGateTests() => _containers = new ScriptedContainers(_time);

    private static ContainerRuntimeState Running(string name, string? health = null, long restarts = 0) =>
        new() { Id = name + "-id", Name = name, Status = "running", Running = true, HealthStatus = health, RestartCount = restarts };

    private static ContainerRuntimeState Exited(string name, long code, string? error = null) =>
        new() { Id = name + "-id", Name = name, Status = "exited", ExitCode = code, Error = error };

    /// <summary>Runs the gate, moving the clock a poll each time it waits; the failure and the fake time it took.</summary>
    private async Task<(RolloutGate.Failure? Failure, TimeSpan Took)> GateAsync(
        IReadOnlyList<(string Service, string Container)> touched, TimeSpan? settle = null, TimeSpan? timeout = null)
    {
        var gate = settle is { } s ? new RolloutGate(_containers, _time, s) : new RolloutGate(_containers, _time);
        var start = _time.GetUtcNow();
        var run = gate.WaitAsync(touched, timeout ?? Timeout, CancellationToken.None);
        for (var waits = 1; !run.IsCompleted; waits++)
        {
            await _time.WaitForTimersAsync(waits, run);
            if (!run.IsCompleted) _time.Advance(RolloutGate.Poll);
            Assert.True(waits < 1000, "the gate never ended");
        }
        return (await run, _time.GetUtcNow() - start);
    }

    [Fact]
    public async Task Passes_once_a_container_without_healthcheck_has_run_through_the_settle_period()
    {
        _containers.Script("shop-web-1", _ => Running("shop-web-1"));

        var (failure, took) = await GateAsync([("web", "shop-web-1")]);

        Assert.Null(failure);
        Assert.InRange(took, RolloutGate.DefaultSettlePeriod, RolloutGate.DefaultSettlePeriod + RolloutGate.Poll);
    }

    [Fact]
    public async Task The_settle_period_is_the_one_given_to_the_gate()
    {
        _containers.Script("shop-web-1", _ => Running("shop-web-1"));

        var (failure, took) = await GateAsync([("web", "shop-web-1")], settle: TimeSpan.FromSeconds(1));

        Assert.Null(failure);
        Assert.InRange(took, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1) + RolloutGate.Poll);
    }

    [Fact]
    public async Task Passes_as_soon_as_the_healthcheck_says_healthy()
    {
        _containers.Script("shop-web-1", t => Running("shop-web-1", t < TimeSpan.FromSeconds(6) ? "starting" : "healthy"));

        var (failure, took) = await GateAsync([("web", "shop-web-1")]);

        Assert.Null(failure);
        Assert.InRange(took, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(6) + RolloutGate.Poll);
    }

    [Fact]
    public async Task Waits_for_every_touched_container()
    {
        _containers.Script("shop-web-1", _ => Running("shop-web-1"));
        _containers.Script("shop-db-1", t => Running("shop-db-1", t < TimeSpan.FromSeconds(10) ? "starting" : "healthy"));

        var (failure, took) = await GateAsync([("web", "shop-web-1"), ("db", "shop-db-1")]);

        Assert.Null(failure);
        Assert.InRange(took, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10) + RolloutGate.Poll);
    }

    [Fact]
    public async Task Nothing_touched_passes_without_asking_the_engine()
    {
        var (failure, took) = await GateAsync([]);

        Assert.Null(failure);
        Assert.Equal(TimeSpan.Zero, took);
        Assert.Equal(0, _containers.Inspections);
    }

    [Fact]
    public async Task Fails_when_a_container_exits_with_its_code_and_the_engine_error()
    {
        _containers.Script("shop-web-1", t => t < TimeSpan.FromSeconds(2) ? Running("shop-web-1") : Exited("shop-web-1", 3, "exec format error"));

        var (failure, took) = await GateAsync([("web", "shop-web-1")]);

        Assert.NotNull(failure);
        Assert.Equal(("web", "shop-web-1"), (failure.Service, failure.Container));
        Assert.Equal("exited with code 3: exec format error", failure.Reason);
        Assert.False(failure.Disappeared);
        Assert.InRange(took, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2) + RolloutGate.Poll);
    }

    [Fact]
    public async Task A_one_shot_container_that_exits_0_passes()
    {
        _containers.Script("shop-migrate-1", t => t < TimeSpan.FromSeconds(1) ? Running("shop-migrate-1") : Exited("shop-migrate-1", 0));

        var (failure, _) = await GateAsync([("migrate", "shop-migrate-1")]);

        Assert.Null(failure);
    }

    [Fact]
    public async Task Fails_when_the_healthcheck_turns_unhealthy_with_its_last_output()
    {
        _containers.Script("shop-web-1", t => t < TimeSpan.FromSeconds(4)
            ? Running("shop-web-1", "starting")
            : Running("shop-web-1", "unhealthy") with { LastHealthOutput = "curl: (7) connection refused\n" });

        var (failure, _) = await GateAsync([("web", "shop-web-1")]);

        Assert.Equal("unhealthy: curl: (7) connection refused", failure?.Reason);
    }

    [Fact]
    public async Task Fails_when_a_container_restarts_while_it_settles()
    {
        _containers.Script("shop-web-1", t => Running("shop-web-1", restarts: t < TimeSpan.FromSeconds(1) ? 0 : 1) with { ExitCode = 137 });

        var (failure, _) = await GateAsync([("web", "shop-web-1")]);

        Assert.Equal("restarted (exit code 137)", failure?.Reason);
    }

    [Fact]
    public async Task Fails_when_a_container_is_caught_restarting()
    {
        _containers.Script("shop-web-1", _ => new ContainerRuntimeState
        {
            Id = "x", Name = "shop-web-1", Status = "restarting", Restarting = true, ExitCode = 1, RestartCount = 4,
        });

        var (failure, _) = await GateAsync([("web", "shop-web-1")]);

        Assert.Equal("restarting (exit code 1, 4 restarts)", failure?.Reason);
    }

    [Fact]
    public async Task Fails_when_a_container_is_killed_for_memory()
    {
        _containers.Script("shop-web-1", _ => Exited("shop-web-1", 137) with { OomKilled = true });

        var (failure, _) = await GateAsync([("web", "shop-web-1")]);

        Assert.Equal("killed: out of memory (exit code 137)", failure?.Reason);
    }

    [Fact]
    public async Task Fails_when_not_healthy_within_the_timeout()
    {
        _containers.Script("shop-web-1", _ => Running("shop-web-1", "starting"));

        var (failure, took) = await GateAsync([("web", "shop-web-1")], timeout: TimeSpan.FromSeconds(10));

        Assert.NotNull(failure);
        Assert.Equal("not healthy within 10s (shop-web-1: starting)", failure.Reason);
        Assert.InRange(took, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10) + 2 * RolloutGate.Poll);
    }

    [Fact]
    public async Task A_container_that_disappears_is_reported_as_such_not_as_the_commits_fault()
    {
        _containers.Script("shop-web-1", t => t < TimeSpan.FromSeconds(1) ? Running("shop-web-1") : null);

        var (failure, _) = await GateAsync([("web", "shop-web-1")]);

        Assert.NotNull(failure);
        Assert.True(failure.Disappeared);
        Assert.Equal("container disappeared during rollout", failure.Reason);
    }

    [Fact]
    public async Task An_engine_error_ends_the_gate_with_the_error_for_the_pass_to_handle()
    {
        _containers.Script("shop-web-1", t => t < TimeSpan.FromSeconds(1)
            ? Running("shop-web-1")
            : throw new DockerEngineUnavailableException("engine unreachable"));

        var e = await Assert.ThrowsAsync<DockerEngineUnavailableException>(() => GateAsync([("web", "shop-web-1")]));

        Assert.Equal("engine unreachable", e.Message);
    }

    [Fact]
    public void Watches_the_containers_a_plan_creates_recreates_starts_or_restarts_once_each()
    {
        PlanAction[] actions =
        [
            new StartContainer { ContainerName = "shop-web-1", ContainerId = "1", Service = "web", Reason = "stopped" },
            new RestartContainer { ContainerName = "shop-db-1", ContainerId = "2", Service = "db", Reason = "config file changed" },
            new StopContainer { ContainerName = "shop-old-1", ContainerId = "3", Service = "old", Reason = "orphan" },
            new RemoveContainer { ContainerName = "shop-old-1", ContainerId = "3", Service = "old", Reason = "orphan" },
            new StartContainer { ContainerName = "shop-web-1", ContainerId = "1", Service = "web", Reason = "again" },
        ];

        Assert.Equal([("web", "shop-web-1"), ("db", "shop-db-1")], RolloutGate.Touched(actions));
    }

    /// <summary>Containers whose state the test scripts as a function of fake time since the first inspection's clock.</summary>
    private sealed class ScriptedContainers(TimeProvider time) : IDockerContainerOperations
    {
        private readonly Dictionary<string, Func<TimeSpan, ContainerRuntimeState?>> _scripts = new(StringComparer.Ordinal);
        private readonly DateTimeOffset _start = time.GetUtcNow();
        private int _inspections;

        public int Inspections => Volatile.Read(ref _inspections);

        public void Script(string name, Func<TimeSpan, ContainerRuntimeState?> state) => _scripts[name] = state;

        public Task<ContainerRuntimeState?> InspectAsync(string containerId, CancellationToken ct = default)
        {
            Interlocked.Increment(ref _inspections);
            return Task.FromResult(_scripts.TryGetValue(containerId, out var s) ? s(time.GetUtcNow() - _start) : null);
        }

        public Task<CreatedContainer> CreateAsync(ContainerSpec spec, CancellationToken ct = default) => throw Unexpected();
        public Task ConnectNetworkAsync(string containerId, string networkName, EndpointSpec endpoint, CancellationToken ct = default) => throw Unexpected();
        public Task StartAsync(string containerId, CancellationToken ct = default) => throw Unexpected();
        public Task StopAsync(string containerId, TimeSpan? grace = null, CancellationToken ct = default) => throw Unexpected();
        public Task RemoveAsync(string containerId, bool removeAnonymousVolumes = false, bool force = false, CancellationToken ct = default) => throw Unexpected();
        public Task RenameAsync(string containerId, string newName, CancellationToken ct = default) => throw Unexpected();

        private static InvalidOperationException Unexpected() => new("the gate only inspects");
    }
}
