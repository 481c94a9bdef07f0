using Reconciler.Faults.Tests.Infrastructure;

namespace Reconciler.Faults.Tests;

/// <summary>
/// Restarting the shared engine would stop every container on the host, so with
/// FTEST_ENGINE_RESTART=shared this runs alone (no other test of this assembly beside it).
/// </summary>
[CollectionDefinition(nameof(EngineRestartCollection), DisableParallelization = true)]
public sealed class EngineRestartCollection;

/// <summary>Issue 7 §5: the Docker engine restarted in the middle of a deploy.</summary>
[Collection(nameof(EngineRestartCollection))]
public sealed class EngineRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task With_the_engine_restarted_mid_deploy_the_daemon_keeps_running_readyz_drops_and_recovers_and_the_stack_converges_with_data_intact()
    {
        var hostBridge = await RestartableEngine.HostBridgeExistsAsync();
        await using var engine = await RestartableEngine.StartAsync(Guid.NewGuid().ToString("N")[..6]);
        output.WriteLine(engine.Shared ? "restarting the SHARED engine (FTEST_ENGINE_RESTART=shared)" : $"private engine at {engine.Host}");
        await using var s = await Scenario.CreateAsync(output, engine.Host);

        Svc[] Stack(string image) =>
        [
            new Svc("web", image) { Command = Compose.Httpd, Data = true },
            new Svc("worker", image) { Data = true },
        ];
        var first = await s.CommitComposeAsync("web and worker 1.0", Compose.File(Stack(DockerCli.Image10)) + engine.NetworksYaml);
        var daemon = s.StartDaemon();
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image10, ["worker"] = DockerCli.Image10 }, first);
        await s.WaitSettledAsync(first);
        var token = await s.WriteTokenAsync("web");
        await s.WaitAsync("/readyz 200", async () => (await daemon.GetAsync("/readyz")).Code == 200, TimeSpan.FromSeconds(30));

        // Mid-cycle: the daemon has started applying a new commit (its first action is done) when the engine goes away.
        var next = await s.CommitComposeAsync("web and worker 1.1", Compose.File(Stack(DockerCli.Image11)) + engine.NetworksYaml);
        await s.WaitAsync("the daemon applying the new commit", () => Task.FromResult(s.Log.Count($"commit={next[..12]} action=") > 0), TimeSpan.FromSeconds(60));
        s.Note("stopping the engine");
        await engine.StopAsync();
        output.WriteLine($"engine stopped at {DateTime.UtcNow:HH:mm:ss.fff}");
        try
        {
            await s.WaitAsync("/readyz reports docker unreachable", async () =>
            {
                var (code, body) = await daemon.GetAsync("/readyz");
                return code == 503 && body.Contains("docker", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(40));
            Assert.True(daemon.Running, "the daemon exited while the engine was down");
            Assert.Equal(200, (await daemon.GetAsync("/healthz")).Code);
        }
        finally
        {
            await engine.SpawnAsync();
            output.WriteLine($"engine started again at {DateTime.UtcNow:HH:mm:ss.fff}");
        }
        Assert.True(await engine.UpAsync(), "docker info fails after the restart");
        // The private engine's restart must leave the shared engine's bridge alone: without docker0,
        // every container test running beside this one fails to start containers.
        Assert.True(engine.Shared || !hostBridge || await RestartableEngine.HostBridgeExistsAsync(),
            "the private engine deleted the host's docker0 bridge when it started or restarted");

        // Recovers by itself: ready again, the new commit deployed, the stopped containers running again.
        await s.WaitAsync("/readyz 200 again", async () => (await daemon.GetAsync("/readyz")).Code == 200, TimeSpan.FromSeconds(60));
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image11, ["worker"] = DockerCli.Image11 }, next, TimeSpan.FromSeconds(120));
        Assert.True(daemon.Running, "the daemon exited");
        await s.WaitAsync("status in sync at the new commit", async () =>
        {
            var st = await daemon.StatusAsync();
            return st.Contains($"deployed:  {next[..12]}") && st.Contains("in sync");
        }, TimeSpan.FromSeconds(60));
        Assert.Contains("busybox 1.1", await s.Docker.OkAsync("exec", s.ContainerName("web"), "wget", "-qO-", "http://127.0.0.1:8080/"));
        await s.AssertTokenAsync(token);

        // Nothing left half-recorded: the deployment that the engine's disappearance interrupted is finished
        // (failed, then deployed again), and no pass died of an unhandled engine error.
        var history = await daemon.HistoryAsync();
        output.WriteLine(string.Join("\n", history.Select(h => h.Line + (h.Error is null ? "" : "\n    " + h.Error))));
        await s.AssertAsync(!history.Any(h => h.Result == "in_progress"),
            "a deployment is still \"in progress\" in the history although the daemon has moved on:\n" + string.Join("\n", history.Select(h => h.Line)));
        await s.AssertAsync(!s.Log.Text.Contains("pass crashed", StringComparison.Ordinal),
            "a pass crashed with an unhandled exception when the engine went away (see the log)");
    }
}
