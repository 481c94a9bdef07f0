using System.Diagnostics;
using Docker.DotNet.Models;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>
/// Engine events drive work: with the engine cache (the default) a manual change to a managed
/// container wakes its stack at once, long before drift_interval (here 60 s, so a drift tick cannot
/// be what repairs it), and the stack then settles.
/// </summary>
[Collection(DaemonCollection.Name)]
public sealed class EngineEventTests(DaemonFixture fx, ITestOutputHelper output)
{
    /// <summary>The target is 1–2 s plus the container's start; slack for a loaded 2-core machine.</summary>
    private static readonly TimeSpan HealBound = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task A_stopped_managed_container_is_started_again_within_seconds_not_at_the_drift_tick()
    {
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { DriftInterval = "60s" });
        await s.StartAndDeployAsync();
        var worker = Assert.Single(await s.ServiceContainersAsync("worker"));

        await fx.Client.Containers.StopContainerAsync(worker.ID, new ContainerStopParameters { WaitBeforeKillSeconds = 0 });
        var watch = Stopwatch.StartNew();
        await s.EventuallyAsync("worker running again", async () =>
            (await s.ServiceContainersAsync("worker")) is [var c] && Scenario.IsRunning(c), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
        s.Log($"[figure] docker stop worker → running again: {watch.Elapsed.TotalSeconds:0.00} s (drift_interval 60 s)");
        Assert.True(watch.Elapsed < HealBound, $"repair took {watch.Elapsed.TotalSeconds:0.0}s\n{await s.DescribeAsync()}");
        Assert.Equal(worker.ID, Assert.Single(await s.ServiceContainersAsync("worker")).ID);

        await SettlesAsync(s);
    }

    [Fact]
    public async Task A_removed_managed_container_is_recreated_within_seconds_and_the_cache_resynced_once_at_start()
    {
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { DriftInterval = "60s" });
        await s.StartAndDeployAsync();
        var web = Assert.Single(await s.ServiceContainersAsync("web"));

        await fx.Client.Containers.RemoveContainerAsync(web.ID, new ContainerRemoveParameters { Force = true });
        var watch = Stopwatch.StartNew();
        await s.EventuallyAsync("web recreated and running", async () =>
            (await s.ServiceContainersAsync("web")) is [var c] && Scenario.IsRunning(c) && c.ID != web.ID, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
        s.Log($"[figure] docker rm -f web → recreated and running: {watch.Elapsed.TotalSeconds:0.00} s (drift_interval 60 s)");
        Assert.True(watch.Elapsed < HealBound, $"repair took {watch.Elapsed.TotalSeconds:0.0}s\n{await s.DescribeAsync()}");

        await SettlesAsync(s);
        var metrics = await MetricsAsync(s);
        Assert.Equal(1, Sample(metrics, "reconciler_cache_resyncs_total", "reason=\"start\""));
        Assert.Equal(0, Sample(metrics, "reconciler_cache_resyncs_total", "reason=\"mismatch\""));
    }

    [Fact]
    public async Task Without_self_heal_a_stopped_container_is_reported_as_drift_within_seconds_and_left_stopped()
    {
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { DriftInterval = "60s", SelfHeal = false });
        await s.StartAndDeployAsync();
        var worker = Assert.Single(await s.ServiceContainersAsync("worker"));

        await fx.Client.Containers.StopContainerAsync(worker.ID, new ContainerStopParameters { WaitBeforeKillSeconds = 0 });
        var watch = Stopwatch.StartNew();
        await s.EventuallyAsync("/status reports worker stopped", async () =>
            await s.StackStatusAsync() is { } j && j.GetProperty("drift").EnumerateArray().Any(d =>
                d.GetProperty("service").GetString() == "worker" && d.GetProperty("reason").GetString() == "stopped"),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
        s.Log($"[figure] docker stop worker → drift reported (self_heal off): {watch.Elapsed.TotalSeconds:0.00} s");
        Assert.True(watch.Elapsed < HealBound, $"drift report took {watch.Elapsed.TotalSeconds:0.0}s");
        Assert.Equal("exited", Assert.Single(await s.ServiceContainersAsync("worker")).State);
    }

    /// <summary>
    /// The passes the repair's own events cause find nothing to do: once settled, no pass at all while
    /// the repo loop checks the unchanged remote four more times (three intervals of 1 s at least).
    /// The window is counted in the daemon's own loop turns, not seconds, so a slow machine makes it
    /// longer instead of making the check vacuous; an unchanged check wakes no stack, so it cannot
    /// be what breaks the silence.
    /// </summary>
    private static async Task SettlesAsync(Scenario s)
    {
        const int Checks = 4;
        double last = -1;
        await s.EventuallyAsync($"no pass while the remote is checked {Checks} more times", async () =>
        {
            var metrics = await MetricsAsync(s);
            var before = Passes(metrics, s.Project);
            var checks = RemoteChecks(metrics, s.RepoName);
            await s.EventuallyAsync($"{Checks} more checks of the remote", async () =>
                RemoteChecks(await MetricsAsync(s), s.RepoName) >= checks + Checks, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
            last = Passes(await MetricsAsync(s), s.Project);
            return last == before;
        }, TimeSpan.FromSeconds(60));
        s.Log($"settled after {last} passes");
    }

    private static async Task<string> MetricsAsync(Scenario s)
    {
        using var response = await s.GetAsync("metrics");
        Assert.NotNull(response);
        return await response.Content.ReadAsStringAsync();
    }

    private static double Passes(string metrics, string stack) =>
        SampleLines(metrics, "reconciler_reconciles_total").Where(l => l.Contains($"stack=\"{stack}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    private static double RemoteChecks(string metrics, string repo) =>
        SampleLines(metrics, "reconciler_git_fetches_total").Where(l => l.Contains($"repo=\"{repo}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    private static double Sample(string metrics, string name, string label) =>
        SampleLines(metrics, name).Where(l => l.Contains(label, StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Single();

    private static IEnumerable<string> SampleLines(string metrics, string name) =>
        metrics.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal));
}
