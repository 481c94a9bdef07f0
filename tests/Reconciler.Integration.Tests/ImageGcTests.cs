using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Reconciler.Configuration;
using Reconciler.Core.Policy;
using Reconciler.Daemon;
using Reconciler.Git;
using Reconciler.State;
using Reconciler.TestSupport;
using Xunit.Abstractions;

namespace Reconciler.Integration.Tests;

/// <summary>
/// Image garbage collection on the real engine, with a registry of this test's own (Debian's
/// docker-registry on a free loopback port, so stopping it disturbs nobody): ten deploys of ten
/// different images through real passes (real git, real state store), a collection after each as
/// the daemon runs it; then only the running commit's image, the kept rollback targets' and the one
/// an unmanaged container uses are left. With the registry stopped, going back to the oldest kept
/// commit needs no pull, and going back further fails for want of the registry.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ImageGcTests(EngineFixture fx, ITestOutputHelper output) : IClassFixture<EngineFixture>
{
    private const int Deploys = 10;
    private const int Keep = 3;

    [Fact]
    public async Task After_ten_deploys_gc_leaves_exactly_the_kept_commits_images_and_the_oldest_kept_deploys_with_the_registry_stopped()
    {
        var dir = fx.NewTempDir();
        var project = fx.NewProject();
        var port = LoopbackPort.Free();
        var repository = $"127.0.0.1:{port}/{project}/app";
        string Tag(int i) => $"{repository}:v{i}";
        var unmanaged = project + "-unmanaged";
        using var registry = StartRegistry(dir, port);
        try
        {
            // Ten images that differ (a label each), pushed, then removed here so that Reconciler pulls them.
            for (var i = 1; i <= Deploys; i++)
            {
                Docker(stdin: $"FROM {EngineFixture.Image}\nLABEL dev.reconciler.test.step={i}\n", "build", "-q", "-t", Tag(i), "-");
                Docker(null, "push", "-q", Tag(i));
                Docker(null, "rmi", Tag(i));
            }

            var time = TimeProvider.System;
            var origin = new OriginRepository(Path.Combine(dir, "origin.git"), Path.Combine(dir, "work"));
            var mirror = new GitRepositoryMirror(new GitRemote { Name = "infra", Url = origin.FileUrl }, Path.Combine(dir, "mirror"));
            using var store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = Path.Combine(dir, "state") }, time);
            await store.OpenAsync(CancellationToken.None);
            var stack = new StackConfig { Name = "gc", Repo = "infra", Path = "app", Project = project, HealthTimeout = TimeSpan.FromSeconds(60) };
            var config = new DaemonConfig
            {
                Path = Path.Combine(dir, "config.yaml"),
                StateDir = Path.Combine(dir, "state"),
                Repos = [new RepoConfig { Name = "infra", Url = origin.FileUrl }],
                Stacks = [stack],
                ImageGc = new ImageGcSettings { KeepCommits = Keep, GracePeriod = TimeSpan.Zero },
            };
            var reconciler = new StackReconciler(stack, false, mirror, fx.Engine, store, config.StateDir, time, NullLogger.Instance);
            var collector = new ImageCollector(config, fx.Engine.Host, store, time, NullLogger.Instance);

            async Task<StackPassResult> DeployAsync(int i)
            {
                origin.Commit($"app v{i}", new Dictionary<string, string?>
                {
                    ["app/compose.yaml"] = $"services:\n  app:\n    image: {Tag(i)}\n    command: [sleep, \"3600\"]\n    stop_grace_period: 1s\n",
                });
                await mirror.FetchAsync();
                return await reconciler.ReconcileAsync(Trigger.Poll, CancellationToken.None);
            }

            long reclaimed = 0;
            var watch = Stopwatch.StartNew();
            for (var i = 1; i <= Deploys; i++)
            {
                var pass = await DeployAsync(i);
                Assert.True(pass.Outcome == PassOutcome.Applied, $"deploy v{i}: {pass.Outcome} {pass.Error}");
                // An unmanaged container on v1, stopped: its image is never Reconciler's to remove.
                if (i == 1) Docker(null, "create", "--name", unmanaged, Tag(1), "true");
                reclaimed += (await collector.CollectAsync(dryRun: false, CancellationToken.None)).ReclaimedBytes;
            }
            output.WriteLine($"{Deploys} deploys with a collection after each: {watch.Elapsed.TotalSeconds:0.0} s, {reclaimed} bytes reclaimed");

            // What is left of the ten: the running v10, the rollback targets v8 and v9, and v1 (the unmanaged container's).
            Assert.Equal(["v1", "v10", "v8", "v9"], LocalTags(repository));
            var dry = await collector.CollectAsync(dryRun: true, CancellationToken.None);
            Assert.DoesNotContain(dry.Decisions, d => d.Remove);
            Assert.True(reclaimed > 0, "the removed images' bytes are reported");
            var state = (await store.GetStackAsync("gc", CancellationToken.None))!;
            Assert.Equal(Deploys, state.GoodHistory.Length);
            Assert.Equal(4, state.PulledImages.Count); // the six removed are forgotten

            // The registry goes away. Further back than kept: the pull fails, nothing changes.
            registry.Kill(entireProcessTree: true);
            await registry.WaitForExitAsync();
            var tooOld = await DeployAsync(5);
            Assert.Equal(PassOutcome.Failed, tooOld.Outcome);
            Assert.Equal(Tag(10), RunningImage(project));
            // The oldest kept commit's image is here: it deploys without a pull.
            var back = await DeployAsync(8);
            Assert.True(back.Outcome == PassOutcome.Applied, $"back to v8: {back.Outcome} {back.Error}");
            Assert.Equal(Tag(8), RunningImage(project));
        }
        finally
        {
            if (!registry.HasExited) registry.Kill(entireProcessTree: true);
            ProcessRunner.Run("docker", ["rm", "-f", unmanaged]);
            await fx.CleanUpProjectAsync(project);
            foreach (var tag in LocalTags(repository)) ProcessRunner.Run("docker", ["rmi", "-f", $"{repository}:{tag}"]);
        }
    }

    private static Process StartRegistry(string dir, int port)
    {
        var config = Path.Combine(dir, "registry.yml");
        File.WriteAllText(config, $"""
            version: 0.1
            log: {"{"}level: error{"}"}
            storage:
              filesystem: {"{"}rootdirectory: {Path.Combine(dir, "registry")}{"}"}
            http: {"{"}addr: 127.0.0.1:{port}{"}"}
            """);
        var process = Process.Start(new ProcessStartInfo("docker-registry", ["serve", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("could not start docker-registry (apt-get install docker-registry)");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                if (http.GetAsync($"http://127.0.0.1:{port}/v2/").GetAwaiter().GetResult().IsSuccessStatusCode) return process;
            }
            catch (HttpRequestException)
            {
            }
            Thread.Sleep(100);
        }
        process.Kill();
        throw new InvalidOperationException($"docker-registry did not answer on 127.0.0.1:{port}");
    }

    private static string Docker(string? stdin, params string[] args)
    {
        var r = ProcessRunner.Run("docker", args, stdin: stdin, timeout: TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0, $"docker {string.Join(' ', args)}: {r.Stderr}");
        return r.Stdout;
    }

    private static List<string> LocalTags(string repository) =>
        [.. ProcessRunner.Run("docker", ["images", repository, "--format", "{{.Tag}}"]).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(t => t != "<none>").Order(StringComparer.Ordinal)];

    /// <summary>The image reference of the project's one container, as its config names it (a pin names the repository by digest).</summary>
    private static string RunningImage(string project)
    {
        var id = ProcessRunner.Run("docker", ["ps", "-q", "--filter", $"label=com.docker.compose.project={project}"]).Stdout.Trim();
        var imageId = ProcessRunner.Run("docker", ["inspect", "-f", "{{.Image}}", id]).Stdout.Trim();
        var tags = ProcessRunner.Run("docker", ["image", "inspect", "-f", "{{join .RepoTags \" \"}}", imageId]).Stdout.Trim();
        return tags.Split(' ').First(t => t.Contains($"/{project}/app:", StringComparison.Ordinal));
    }
}
