using System.Diagnostics;
using System.Text.Json;
using Docker.DotNet.Models;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>Manual changes on the host between commits: repaired by self-heal, only reported while suspended.</summary>
[Collection(DaemonCollection.Name)]
public sealed class DriftTests(DaemonFixture fx, ITestOutputHelper output)
{
    private static readonly TimeSpan Drift = TimeSpan.FromSeconds(3);

    /// <summary>drift_interval, plus a create, the rollout's settle time and slack for a loaded machine.</summary>
    private static readonly TimeSpan RepairBound = Drift + TimeSpan.FromSeconds(12);

    [Fact]
    public async Task A_removed_managed_container_is_repaired_within_the_drift_interval()
    {
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { DriftInterval = "3s" });
        await s.StartAndDeployAsync();
        var old = Assert.Single(await s.ServiceContainersAsync("web"));

        await fx.Client.Containers.RemoveContainerAsync(old.ID, new ContainerRemoveParameters { Force = true });
        var watch = Stopwatch.StartNew();
        await s.EventuallyAsync("web running again", async () =>
            (await s.ServiceContainersAsync("web")) is [var c] && Scenario.IsRunning(c) && c.ID != old.ID, RepairBound + TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(50));
        s.Log($"[figure] docker rm -f web → repaired: {watch.Elapsed.TotalSeconds:0.00} s (drift_interval 3 s)");
        Assert.True(watch.Elapsed < RepairBound, $"repair took {watch.Elapsed.TotalSeconds:0.0}s, over {RepairBound.TotalSeconds:0}s\n{await s.DescribeAsync()}");
        var repaired = Assert.Single(await s.ServiceContainersAsync("web"));
        Assert.Equal(s.InitialCommit, repaired.Labels[DaemonFixture.CommitLabel]);
        Assert.Equal(Scenario.Image("1.0"), repaired.Image);
    }

    [Fact]
    public async Task A_container_removed_while_the_rollout_gate_watches_it_is_still_repaired()
    {
        // Same as above, but the container goes while the first deploy's rollout gate is still
        // watching it settle (3 s after it starts): a manual removal, not a bad commit.
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { DriftInterval = "3s" });
        var daemon = s.StartDaemon();
        await s.WaitReadyAsync(daemon);
        await s.WaitForCommitAsync(s.InitialCommit, ["web", "worker"]);
        var old = Assert.Single(await s.ServiceContainersAsync("web"));
        await fx.Client.Containers.RemoveContainerAsync(old.ID, new ContainerRemoveParameters { Force = true });

        var watch = Stopwatch.StartNew();
        await s.EventuallyAsync("web running again", async () =>
            (await s.ServiceContainersAsync("web")) is [var c] && Scenario.IsRunning(c), RepairBound + TimeSpan.FromSeconds(15));
        s.Log($"[figure] docker rm -f web during the rollout gate → repaired: {watch.Elapsed.TotalSeconds:0.00} s");
    }

    [Fact]
    public async Task In_a_suspended_stack_a_stopped_container_stays_stopped_while_status_reports_drift_and_resume_repairs_it()
    {
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { DriftInterval = "3s" });
        await s.StartAndDeployAsync();

        var suspend = await s.CliAsync("suspend", s.Project);
        Assert.True(suspend.ExitCode == 0, suspend.ToString());
        var worker = Assert.Single(await s.ServiceContainersAsync("worker"));
        await fx.Client.Containers.StopContainerAsync(worker.ID, new ContainerStopParameters { WaitBeforeKillSeconds = 2 });

        // Drift is reported, by /status and by `reconciler status`…
        await s.EventuallyAsync("/status reports the stack suspended with worker stopped", async () =>
            (await s.StackStatusAsync()) is { } j && j.GetProperty("outcome").GetString() == "Suspended" && HasDrift(j, "worker", "stopped"),
            TimeSpan.FromSeconds(30));
        DaemonProcess.CliResult status = null!;
        await s.EventuallyAsync("reconciler status shows suspended and the drift", async () =>
        {
            status = await s.CliAsync("status");
            return status.Stdout.Contains("suspended", StringComparison.Ordinal) && status.Stdout.Contains("worker: stopped", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30));
        s.Log(status.Stdout);

        // …but nothing is repaired, through several drift passes.
        await s.WaitForMorePassesAsync(3);
        var stopped = Assert.Single(await s.ServiceContainersAsync("worker"));
        Assert.Equal(worker.ID, stopped.ID);
        Assert.Equal("exited", stopped.State);

        // resume: repaired at the next tick.
        var resume = await s.CliAsync("resume", s.Project);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        var watch = Stopwatch.StartNew();
        await s.EventuallyAsync("worker running again", async () =>
            (await s.ServiceContainersAsync("worker")) is [var c] && Scenario.IsRunning(c), RepairBound + TimeSpan.FromSeconds(30));
        s.Log($"[figure] reconciler resume → stopped worker running again: {watch.Elapsed.TotalSeconds:0.00} s");
        Assert.True(watch.Elapsed < RepairBound, $"repair after resume took {watch.Elapsed.TotalSeconds:0.0}s, over {RepairBound.TotalSeconds:0}s");
        await s.EventuallyAsync("reconciler status back in sync", async () =>
        {
            status = await s.CliAsync("status");
            return status.Stdout.Contains("in sync", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30));
    }

    private static bool HasDrift(JsonElement stack, string service, string reason) =>
        stack.GetProperty("drift").EnumerateArray().Any(d =>
            d.GetProperty("service").GetString() == service && d.GetProperty("reason").GetString() == reason);
}
