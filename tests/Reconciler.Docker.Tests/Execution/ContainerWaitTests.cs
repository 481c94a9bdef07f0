using Microsoft.Extensions.Time.Testing;
using Reconciler.Core.Desired;
using Reconciler.Docker.Execution;

namespace Reconciler.Docker.Tests.Execution;

/// <summary>The executor's waits on a dependency, on a fake clock against scripted containers: no engine, no real waiting.</summary>
public sealed class ContainerWaitTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    private readonly ScriptedContainers _containers;

    public ContainerWaitTests() => _containers = new ScriptedContainers(_time);

    private static ContainerRuntimeState Running(string? health = null) =>
        new() { Id = "db-id", Name = "shop-db-1", Status = "running", Running = true, HealthStatus = health, LastHealthOutput = health == "unhealthy" ? "pg_isready: no response\n" : null };

    private static ContainerRuntimeState Exited(long code) => new() { Id = "db-id", Name = "shop-db-1", Status = "exited", ExitCode = code };

    /// <summary>Moves the fake clock a quarter second at a time until the wait ends; the fake time it took.</summary>
    private async Task<TimeSpan> PumpAsync(Task wait)
    {
        var start = _time.GetUtcNow();
        for (var steps = 0; !wait.IsCompleted; steps++)
        {
            Assert.True(steps < 10_000, "the wait never ended");
            _time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(1); // lets the wait's continuation run
        }
        await wait;
        return _time.GetUtcNow() - start;
    }

    [Fact]
    public async Task A_running_container_without_healthcheck_is_ready_at_once()
    {
        _containers.Script(_ => Running());

        await PumpAsync(ContainerWait.UntilHealthyAsync(_containers, "shop-db-1", Timeout, "web depends on db", CancellationToken.None, _time));

        Assert.Equal(1, _containers.Inspections);
    }

    [Fact]
    public async Task Waits_until_the_healthcheck_says_healthy()
    {
        _containers.Script(t => Running(t < TimeSpan.FromSeconds(5) ? "starting" : "healthy"));

        var took = await PumpAsync(ContainerWait.UntilHealthyAsync(_containers, "shop-db-1", Timeout, "web depends on db", CancellationToken.None, _time));

        Assert.True(took >= TimeSpan.FromSeconds(5), $"ready after {took}, before the container was healthy");
    }

    [Fact]
    public async Task Gives_up_after_the_timeout_on_the_clock_it_was_given()
    {
        _containers.Script(_ => Running("starting"));

        var e = await Assert.ThrowsAsync<TimeoutException>(() =>
            PumpAsync(ContainerWait.UntilHealthyAsync(_containers, "shop-db-1", Timeout, "web depends on db", CancellationToken.None, _time)));

        Assert.StartsWith("web depends on db: container shop-db-1 not healthy after 20s", e.Message);
        Assert.InRange(_time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), Timeout, Timeout + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_unhealthy_dependency_fails_with_its_health_output()
    {
        _containers.Script(t => Running(t < TimeSpan.FromSeconds(2) ? "starting" : "unhealthy"));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            PumpAsync(ContainerWait.UntilHealthyAsync(_containers, "shop-db-1", Timeout, "web depends on db", CancellationToken.None, _time)));

        Assert.Equal("web depends on db: container shop-db-1 is unhealthy: pg_isready: no response", e.Message);
    }

    [Fact]
    public async Task A_one_shot_dependency_completes_when_it_exits_0()
    {
        _containers.Script(t => t < TimeSpan.FromSeconds(3) ? Running() : Exited(0));

        var took = await PumpAsync(ContainerWait.UntilCompletedAsync(_containers, "shop-db-1", Timeout, "web depends on migrate", CancellationToken.None, _time));

        Assert.True(took >= TimeSpan.FromSeconds(3), $"completed after {took}, while it still ran");
    }

    [Fact]
    public async Task A_one_shot_dependency_that_exits_non_zero_fails_with_its_code()
    {
        _containers.Script(_ => Exited(2));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            PumpAsync(ContainerWait.UntilCompletedAsync(_containers, "shop-db-1", Timeout, "web depends on migrate", CancellationToken.None, _time)));

        Assert.Equal("web depends on migrate: container shop-db-1 didn't complete successfully: exit 2", e.Message);
    }

    /// <summary>One container whose state the test scripts as a function of fake time since the test began.</summary>
    private sealed class ScriptedContainers(TimeProvider time) : IDockerContainerOperations
    {
        private readonly DateTimeOffset _start = time.GetUtcNow();
        private Func<TimeSpan, ContainerRuntimeState?> _script = _ => null;
        private int _inspections;

        public int Inspections => Volatile.Read(ref _inspections);

        public void Script(Func<TimeSpan, ContainerRuntimeState?> state) => _script = state;

        public Task<ContainerRuntimeState?> InspectAsync(string containerId, CancellationToken ct = default)
        {
            Interlocked.Increment(ref _inspections);
            return Task.FromResult(_script(time.GetUtcNow() - _start));
        }

        public Task<CreatedContainer> CreateAsync(ContainerSpec spec, CancellationToken ct = default) => throw Unexpected();
        public Task ConnectNetworkAsync(string containerId, string networkName, EndpointSpec endpoint, CancellationToken ct = default) => throw Unexpected();
        public Task StartAsync(string containerId, CancellationToken ct = default) => throw Unexpected();
        public Task StopAsync(string containerId, TimeSpan? grace = null, CancellationToken ct = default) => throw Unexpected();
        public Task RemoveAsync(string containerId, bool removeAnonymousVolumes = false, bool force = false, CancellationToken ct = default) => throw Unexpected();
        public Task RenameAsync(string containerId, string newName, CancellationToken ct = default) => throw Unexpected();

        private static InvalidOperationException Unexpected() => new("the wait only inspects");
    }
}
