using System.Diagnostics;
using System.Net;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>The daemon process itself: restarts, the state-dir lock, SIGTERM.</summary>
[Collection(DaemonCollection.Name)]
public sealed class LifecycleTests(DaemonFixture fx, ITestOutputHelper output)
{
    [Fact]
    public async Task A_restart_recreates_nothing_already_in_sync_and_records_no_new_deployment()
    {
        await using var s = Scenario.Create(fx, output);
        var first = await s.StartAndDeployAsync();
        // Let a drift pass confirm the stack is in sync before looking.
        await s.EventuallyAsync("a drift pass", async () => (await s.StackStatusAsync()) is { } j && j.GetProperty("trigger").GetString() == "Drift",
            TimeSpan.FromSeconds(30));
        var ids = await s.RunningIdsAsync();
        var historyBefore = await s.CliAsync("history", s.Project);
        Assert.True(historyBefore.ExitCode == 0, historyBefore.ToString());

        first.Signal(DaemonProcess.SigTerm);
        Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the daemon did not stop on SIGTERM");
        Assert.Equal(0, first.ExitCode);

        var second = s.StartDaemon();
        await s.WaitReadyAsync(second);
        // The new process's first pass (startup), then a drift tick after it.
        await s.EventuallyAsync("the restarted daemon's startup pass", async () =>
            (await s.StackStatusAsync()) is { } j && j.GetProperty("commit").GetString() == s.InitialCommit, TimeSpan.FromSeconds(30));
        await s.EventuallyAsync("a drift pass after the restart", async () =>
            (await s.StackStatusAsync()) is { } j && j.GetProperty("trigger").GetString() == "Drift", TimeSpan.FromSeconds(30));
        var status = await s.StackStatusAsync();
        Assert.Equal("Noop", status!.Value.GetProperty("outcome").GetString());

        Assert.Equal(ids, await s.RunningIdsAsync());
        var historyAfter = await s.CliAsync("history", s.Project);
        Assert.Equal(historyBefore.Stdout, historyAfter.Stdout);
        Assert.DoesNotContain("action=", second.Output); // not a single engine action logged
    }

    [Fact]
    public async Task A_second_daemon_on_the_same_state_dir_exits_non_zero_naming_the_lock()
    {
        await using var s = Scenario.Create(fx, output);
        var first = await s.StartAndDeployAsync();

        var second = s.StartDaemon();
        Assert.True(await second.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the second daemon is still running:\n{second.Output}");
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("reconciler.lock", second.Output);
        Assert.Contains($"pid {first.Pid}", second.Output);
        Assert.Contains("only one daemon", second.Output);
        s.Log($"second daemon: exit {second.ExitCode}: {second.Output.Trim()}");

        // The first one carries on.
        Assert.True(first.Running);
        using var ready = await s.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, ready!.StatusCode);
    }

    [Fact]
    public async Task Sigterm_stops_the_daemon_within_seconds_with_exit_code_zero_and_no_crash_on_the_way_out()
    {
        // Several stops in a row, each with nine stack loops (eight config-suspended: they never
        // touch the engine), so that a race on the way out shows up reliably, not once in a while.
        const int Stops = 5;
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { ExtraSuspendedStacks = 8, DriftInterval = "1s" });
        await s.StartAndDeployAsync();
        for (var i = 1; i <= Stops; i++)
        {
            var daemon = i == 1 ? s.Daemons[0] : s.StartDaemon();
            await s.WaitReadyAsync(daemon);
            // Every loop past its first pass (all nine stacks in this daemon's /status), drift ticks running.
            await s.EventuallyAsync("every stack passed once, then a drift pass", async () =>
            {
                using var r = await s.GetAsync("status");
                if (r?.StatusCode != HttpStatusCode.OK) return false;
                using var doc = System.Text.Json.JsonDocument.Parse(await r.Content.ReadAsStringAsync());
                var stacks = doc.RootElement.GetProperty("stacks").EnumerateArray().ToList();
                return stacks.Count == s.Options.ExtraSuspendedStacks + 1 && stacks.Any(j => j.GetProperty("name").GetString() == s.Project && j.GetProperty("trigger").GetString() == "Drift");
            }, Scenario.DefaultWait, poll: TimeSpan.FromMilliseconds(100));

            var watch = Stopwatch.StartNew();
            daemon.Signal(DaemonProcess.SigTerm);
            var exited = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30));
            s.Log($"[figure] stop {i}: SIGTERM → process exit: {watch.Elapsed.TotalSeconds:0.00} s, exit code {(exited ? daemon.ExitCode : -1)}");
            Assert.True(exited, $"still running 30s after SIGTERM:\n{daemon.Output}");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"SIGTERM took {watch.Elapsed.TotalSeconds:0.0}s");
            Assert.Equal(0, daemon.ExitCode);
            Assert.True(!daemon.Output.Contains("BackgroundService failed", StringComparison.Ordinal) && !daemon.Output.Contains("crit:", StringComparison.Ordinal),
                $"stop {i}: the daemon crashed on its way out:\n{daemon.Output}");
            Assert.Contains("reconciler stopped", daemon.Output);
        }

        // Stopping the daemon never stops the stack.
        Assert.All(await s.ContainersAsync(), c => Assert.Equal("running", c.State));
    }

    [Fact]
    public async Task A_listen_address_in_use_exits_non_zero_with_a_one_line_error_and_deploys_nothing()
    {
        await using var s = Scenario.Create(fx, output);
        using var squatter = new System.Net.Sockets.TcpListener(IPAddress.Loopback, s.Port);
        squatter.Start();

        var daemon = s.StartDaemon();
        Assert.True(await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"still running with its listen address taken:\n{daemon.Output}");
        s.Log(daemon.Output);
        Assert.NotEqual(0, daemon.ExitCode);
        Assert.Contains($"127.0.0.1:{s.Port}", daemon.Output);
        Assert.Empty(await s.ContainersAsync());
        // An operator's error, not a crash: one line saying what is wrong, no stack trace.
        Assert.True(!daemon.Output.Contains("Unhandled exception", StringComparison.Ordinal) && !daemon.Output.Contains("   at ", StringComparison.Ordinal),
            $"a taken metrics.listen address crashes the daemon with a stack trace:\n{daemon.Output}");
    }

    [Fact]
    public async Task A_config_with_broken_yaml_exits_non_zero_naming_file_and_line_without_a_stack_trace()
    {
        await using var s = Scenario.Create(fx, output);
        // An unclosed flow sequence followed by a dedented key: YamlDotNet's scanner throws
        // InvalidOperationException here, not YamlException.
        File.WriteAllText(s.ConfigPath, $"state_dir: {s.StateDir}\nrepos:\n  - name: [infra\n  url: {s.Origin.BarePath}\nstacks: []\n");

        var daemon = s.StartDaemon();
        Assert.True(await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"still running with a broken config:\n{daemon.Output}");
        s.Log(daemon.Output);
        Assert.NotEqual(0, daemon.ExitCode);
        Assert.True(daemon.Output.Contains("config.yaml:3", StringComparison.Ordinal) && !daemon.Output.Contains("Unhandled exception", StringComparison.Ordinal),
            $"a config with broken YAML must be reported as config.yaml:3:…, not crash:\n{daemon.Output}");
    }
}
