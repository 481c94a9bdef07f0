using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Reconciler.Configuration;
using Reconciler.Core.Policy;
using Reconciler.Daemon;
using Reconciler.Docker;
using Reconciler.Git;
using Reconciler.State;
using Xunit.Abstractions;

namespace Reconciler.Integration.Tests.Swarm;

/// <summary>
/// A stack with <c>engine: swarm</c> through the daemon's own pass (real git, real state store,
/// the three-node test bed): deploy from git, a second poll that changes nothing, a rolling update,
/// an APP_TAG bump (image pinned to the new tag's digest), and a commit whose tasks exit, which fails the gate and is rolled back to the last good commit at the digests it ran (its tag moved meanwhile), then held until a git revert deploys.
/// </summary>
[Collection(SwarmCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SwarmPipelineTests(SwarmTestbed bed, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _stack = "pipe" + Guid.NewGuid().ToString("N")[..6];
    private readonly string _dir = Directory.CreateTempSubdirectory("swarm-pipeline-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await bed.RemoveStackAsync(_stack);

    private static string Compose(string mode, string command = "trap 'exit 0' TERM; sleep 3600 & wait") => $$"""
        services:
          web:
            image: 10.213.0.1:5000/testbed/busybox:${APP_TAG}
            command: ["sh", "-c", "{{command}}"]
            environment:
              MODE: {{mode}}
            healthcheck:
              test: ["CMD", "true"]
              interval: 1s
              retries: 2
            networks: [back]
            secrets: [token]
            configs: [settings]
            stop_grace_period: 1s
            deploy:
              replicas: 3
              endpoint_mode: dnsrr
              update_config:
                parallelism: 3
                monitor: 3s
          worker:
            image: {{SwarmTestbed.Image}}
            command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
            networks: [back]
            stop_grace_period: 1s
            deploy:
              endpoint_mode: dnsrr
        networks:
          back: {}
        secrets:
          token:
            file: ./token.txt
        configs:
          settings:
            file: ./settings.conf
        """;

    [Fact]
    public async Task Deploys_from_git_stays_quiet_when_nothing_changed_rolls_updates_and_rolls_back_a_commit_whose_tasks_exit()
    {
        var watch = Stopwatch.StartNew();
        var time = TimeProvider.System;
        var origin = new OriginRepository(Path.Combine(_dir, "origin.git"), Path.Combine(_dir, "work"));
        var mirror = new GitRepositoryMirror(new GitRemote { Name = "infra", Url = origin.FileUrl }, Path.Combine(_dir, "mirror"));
        using var store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = Path.Combine(_dir, "state") }, time);
        await store.OpenAsync(CancellationToken.None);
        var stack = new StackConfig
        {
            Name = _stack, Repo = "infra", Path = "app", Engine = StackEngine.Swarm, HealthTimeout = TimeSpan.FromSeconds(60),
        };
        // The host engine the constructor wants is the bed's manager too: nothing here reaches the machine's own engine.
        using var host = new DockerEngine(DockerEndpoint.Resolve(SwarmTestbed.Manager));
        var reconciler = new StackReconciler(stack, false, mirror, host, store, Path.Combine(_dir, "state"), time, NullLogger.Instance, swarm: bed.Engine);

        // A second tag of the bed's image in its registry, for the APP_TAG bump.
        bed.Docker(null, "pull", "-q", SwarmTestbed.Image);
        bed.Docker(null, "tag", SwarmTestbed.Image, "10.213.0.1:5000/testbed/busybox:v2");
        bed.Docker(null, "push", "-q", "10.213.0.1:5000/testbed/busybox:v2");

        async Task<StackPassResult> PassAsync(string? compose = null, string subject = "change", string tag = "latest")
        {
            if (compose is not null)
            {
                origin.Commit(subject, new Dictionary<string, string?>
                {
                    ["app/compose.yaml"] = compose, ["app/.env"] = $"APP_TAG={tag}\n", ["app/token.txt"] = "t-1", ["app/settings.conf"] = "level=info\n",
                });
            }
            await mirror.FetchAsync();
            var pass = await reconciler.ReconcileAsync(Trigger.Poll, CancellationToken.None);
            output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s {subject}: {pass.Outcome} {pass.Error}");
            return pass;
        }

        var first = await PassAsync(Compose("one"), "first deploy");
        Assert.True(first.Outcome == PassOutcome.Applied, $"{first.Outcome}: {first.Error}");
        Assert.Equal(3, RunningTasks("web"));
        // The replicas the pass reports are read after its rollout, not the empty stack it planned from.
        Assert.Contains(new ServiceReplicas($"{_stack}_web", 3, 3), first.Replicas!);
        Assert.Equal(3, first.SwarmTasks!.Single(s => s.Service == $"{_stack}_web").Tasks.Count(t => t.IsRunning));
        var deployed = Versions();

        var quiet = await PassAsync(subject: "poll, nothing changed");
        Assert.Equal(PassOutcome.Noop, quiet.Outcome);
        Assert.Contains(new ServiceReplicas($"{_stack}_web", 3, 3), quiet.Replicas!);
        Assert.Equal(deployed, Versions());

        var update = await PassAsync(Compose("two"), "rolling update");
        Assert.True(update.Outcome == PassOutcome.Applied, $"{update.Outcome}: {update.Error}");
        Assert.Equal("completed", UpdateState("web"));
        Assert.Contains("MODE=two", Env("web"));
        Assert.Equal(deployed["worker"], Versions()["worker"]);

        var bump = await PassAsync(Compose("two"), "APP_TAG=v2", tag: "v2");
        Assert.True(bump.Outcome == PassOutcome.Applied, $"{bump.Outcome}: {bump.Error}");
        Assert.StartsWith("10.213.0.1:5000/testbed/busybox:v2@sha256:", Image("web"), StringComparison.Ordinal);
        Assert.Equal(3, RunningTasks("web"));
        var good = Image("web");

        // The tag moves in the registry before the next commit: the rollback must restore the digest
        // that ran, not what v2 means by then.
        MoveTag("10.213.0.1:5000/testbed/busybox:v2");
        var broken = await PassAsync(Compose("three", command: "exit 3"), "tasks exit", tag: "v2");
        Assert.Equal(PassOutcome.Failed, broken.Outcome);
        // What reconciler_rollbacks_total counts.
        Assert.True(broken.RolledBack);
        Assert.Contains("rolled back", broken.Error, StringComparison.Ordinal);
        var brokenCommit = origin.Head();
        Assert.Contains("MODE=two", Env("web"));
        Assert.Equal(good, Image("web"));
        Assert.Equal(3, RunningTasks("web"));

        // The failed head is held: later polls keep the last good commit at those digests, sending nothing.
        var held = Versions();
        var after = await PassAsync(subject: "poll, head held");
        Assert.NotEqual(PassOutcome.Applied, after.Outcome);
        Assert.Equal(good, Image("web"));
        Assert.Equal(held, Versions());

        // git revert is a commit like any other: it deploys, and v2 means the moved image by now.
        origin.Revert(brokenCommit);
        var reverted = await PassAsync(subject: "git revert of the failed commit");
        Assert.True(reverted.Outcome == PassOutcome.Applied, $"{reverted.Outcome}: {reverted.Error}");
        Assert.StartsWith("10.213.0.1:5000/testbed/busybox:v2@sha256:", Image("web"), StringComparison.Ordinal);
        Assert.NotEqual(good, Image("web"));
        Assert.Contains("MODE=two", Env("web"));
        Assert.Equal(3, RunningTasks("web"));
    }

    /// <summary>Points <paramref name="tag"/> at a new image (its config differs, so its digest does) and pushes it.</summary>
    private void MoveTag(string tag)
    {
        var scratch = "moved" + Guid.NewGuid().ToString("N")[..6];
        bed.Docker(null, "create", "--name", scratch, tag, "true");
        try
        {
            bed.Docker(null, "commit", "--change", $"LABEL moved={scratch}", scratch, tag);
            bed.Docker(null, "push", "-q", tag);
        }
        finally
        {
            bed.Docker(null, "rm", scratch);
        }
    }

    private string Image(string service) => Inspect(service)["Spec"]!["TaskTemplate"]!["ContainerSpec"]!["Image"]!.GetValue<string>();

    private JsonNode Inspect(string service) => JsonNode.Parse(bed.Docker(null, "service", "inspect", $"{_stack}_{service}").Stdout)![0]!;

    private Dictionary<string, (ulong, string)> Versions() => new[] { "web", "worker" }.ToDictionary(s => s, s =>
    {
        var i = Inspect(s);
        return (i["Version"]!["Index"]!.GetValue<ulong>(), i["UpdatedAt"]!.GetValue<string>());
    });

    private string? UpdateState(string service) => Inspect(service)["UpdateStatus"]?["State"]?.GetValue<string>();

    private string[] Env(string service) =>
        [.. (Inspect(service)["Spec"]!["TaskTemplate"]!["ContainerSpec"]!["Env"] as JsonArray ?? []).Select(e => e!.GetValue<string>())];

    private int RunningTasks(string service) =>
        bed.Docker(null, "service", "ps", "--filter", "desired-state=running", "--format", "{{.CurrentState}}", $"{_stack}_{service}").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(s => s.StartsWith("Running", StringComparison.Ordinal));
}
