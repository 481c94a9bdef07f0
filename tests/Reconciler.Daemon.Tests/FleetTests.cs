using System.Diagnostics;
using System.Text.Json;
using Docker.DotNet.Models;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>
/// The fleet in git, end to end on the real engine: two daemons with their own host_id, state_dir and
/// compose projects watch one repo served by git http-backend; host files in it say which host runs
/// what, with per-host variables.
/// </summary>
[Collection(DaemonCollection.Name)]
public sealed class FleetTests(DaemonFixture fx, ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    /// <summary>The shared stack: SITE comes from the host's variables, so each host's container says where it runs.</summary>
    private static readonly string WebCompose = $$"""
        services:
          web:
            image: {{DaemonFixture.ImageRepo}}:1.0
            environment:
              SITE: ${DOMAIN}
              DATA: ${DATA_PATH:-/srv}
        """;

    private static readonly string BaseCompose = $"""
        services:
          base:
            image: {DaemonFixture.ImageRepo}:1.0
        """;

    [Fact]
    public async Task A_host_file_commit_deploys_a_stack_on_its_host_only_moving_it_prunes_it_there_and_a_broken_host_file_changes_nothing()
    {
        var origin = fx.NewOrigin();
        var (webA, webB, baseA) = (fx.NewProject(), fx.NewProject(), fx.NewProject());
        string HostA(bool web) => $"""
            variables:
              DOMAIN: a.example.test
            stacks:
              - name: base
                path: stacks/base
                project: {baseA}
            {(web ? $"  - name: web\n    path: stacks/web\n    project: {webA}\n    drift_interval: 2s\n" : "")}
            """;
        string HostB(bool web) => $"""
            variables:
              DOMAIN: b.example.test
              DATA_PATH: /srv/b
            stacks:
            {(web ? $"  - name: web\n    path: stacks/web\n    project: {webB}\n" : "")}
            """;
        origin.Commit("two hosts, web not placed yet", new Dictionary<string, string?>
        {
            ["stacks/web/compose.yaml"] = WebCompose,
            ["stacks/base/compose.yaml"] = BaseCompose,
            ["hosts/host-a.yaml"] = HostA(web: false),
            ["hosts/host-b.yaml"] = HostB(web: false),
        });
        await using var a = Host("host-a", origin);
        await using var b = Host("host-b", origin);
        a.Daemon.Start();
        b.Daemon.Start();
        await EventuallyAsync("host-a runs base from its host file", async () => (await RunningAsync(baseA)).Count == 1, a, b);
        var baseId = (await RunningAsync(baseA))[0].ID;

        // web is added to host-a only: it runs there, with host-a's variables.
        var add = origin.Commit("web on host-a", new Dictionary<string, string?> { ["hosts/host-a.yaml"] = HostA(web: true) });
        var watch = Stopwatch.StartNew();
        await EventuallyAsync("web running on host-a", async () => (await RunningAsync(webA)).Count == 1, a, b);
        output.WriteLine($"[figure] host file commit → web running on host-a: {watch.Elapsed.TotalSeconds:0.00} s (interval 1 s)");
        var env = await EnvAsync((await RunningAsync(webA))[0]);
        Assert.Contains("SITE=a.example.test", env);
        Assert.Contains("DATA=/srv", env);
        await EventuallyAsync("host-b saw the commit", async () => await HostFileCommitAsync(b) == add, a, b);
        Assert.Empty(await fx.ContainersAsync(webB));
        // A stack shows in /status once its first pass ended (the rollout gate watches the new container a moment).
        await EventuallyAsync("/status of host-a lists web", async () =>
            (await StatusAsync(a)).GetProperty("stacks").EnumerateArray().Any(s => s.GetProperty("name").GetString() == "web"), a, b);
        var status = await StatusAsync(a);
        Assert.Equal("host-a", status.GetProperty("host_id").GetString());
        var webView = status.GetProperty("stacks").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "web");
        Assert.Equal("hosts/host-a.yaml", webView.GetProperty("defined_by").GetProperty("file").GetString());
        Assert.Equal(add, webView.GetProperty("defined_by").GetProperty("commit").GetString());
        var cli = await a.Daemon.CliAsync("status");
        Assert.Contains("host: host-a", cli.Stdout);
        Assert.Contains($"defined:   infra:hosts/host-a.yaml@{add[..12]}", cli.Stdout);

        // web moves to host-b: removed from host-a (prune_stacks), running on host-b with host-b's variables.
        origin.Commit("move web to host-b", new Dictionary<string, string?>
        {
            ["hosts/host-a.yaml"] = HostA(web: false),
            ["hosts/host-b.yaml"] = HostB(web: true),
        });
        watch.Restart();
        await EventuallyAsync("web gone from host-a and running on host-b", async () =>
            (await fx.ContainersAsync(webA)).Count == 0 && (await RunningAsync(webB)).Count == 1, a, b);
        output.WriteLine($"[figure] move commit → web removed on host-a and running on host-b: {watch.Elapsed.TotalSeconds:0.00} s");
        env = await EnvAsync((await RunningAsync(webB))[0]);
        Assert.Contains("SITE=b.example.test", env);
        Assert.Contains("DATA=/srv/b", env);
        Assert.DoesNotContain((await StatusAsync(a)).GetProperty("stacks").EnumerateArray(), s => s.GetProperty("name").GetString() == "web");

        // A broken hosts/host-a.yaml: host-a keeps base running as it was and says why; host-b is not concerned.
        var broken = origin.Commit("break host-a", new Dictionary<string, string?> { ["hosts/host-a.yaml"] = "stacks:\n  - name: base\n    path: stacks/base\n    prnue: true\n" });
        await EventuallyAsync("host-a reports the broken host file", async () =>
            (await StatusAsync(a)).GetProperty("host_file") is var h && h.GetProperty("checked_commit").GetString() == broken, a, b);
        var hostFile = (await StatusAsync(a)).GetProperty("host_file");
        Assert.Equal("invalid", hostFile.GetProperty("reason").GetString());
        Assert.Contains("hosts/host-a.yaml:4:5: stacks[0].prnue: unknown key", hostFile.GetProperty("error").GetString());
        Assert.NotEqual(broken, hostFile.GetProperty("commit").GetString());
        Assert.Contains("host file hosts/host-a.yaml at", a.Daemon.Output);
        var (_, metrics) = await a.Daemon.GetAsync("/metrics");
        Assert.Contains("reconciler_host_file_ok 0", metrics);
        Assert.Contains("reconciler_host_file_refusals_total{reason=\"invalid\"} 1", metrics);
        Assert.Contains("reconciler_host_info{host_id=\"host-a\"", metrics);
        await EventuallyAsync("host-b checked the same commit", async () => await HostFileCommitAsync(b) == broken, a, b);
        Assert.Equal(baseId, Assert.Single(await RunningAsync(baseA)).ID);
        Assert.Single(await RunningAsync(webB));

        // A restart of host-a on the broken head runs what the last good host file said.
        await a.Daemon.StopAsync();
        a.Daemon.Start();
        await EventuallyAsync("host-a back, on the last good host file", async () =>
            (await a.Daemon.GetAsync("/status")).Code == 200 && (await StatusAsync(a)).GetProperty("host_file") is var h
            && h.ValueKind == JsonValueKind.Object && h.GetProperty("checked_commit").GetString() == broken
            && (await StatusAsync(a)).GetProperty("stacks").EnumerateArray().Any(s => s.GetProperty("name").GetString() == "base"), a, b);
        Assert.Equal(baseId, Assert.Single(await RunningAsync(baseA)).ID);
        Assert.Empty(await fx.ContainersAsync(webA));
    }

    private FleetHost Host(string hostId, OriginRepository origin)
    {
        var dir = fx.NewDirectory(hostId);
        var port = LoopbackPort.Free();
        var passwordFile = Path.Combine(dir, "git-password");
        File.WriteAllText(passwordFile, DaemonFixture.HttpPassword + "\n");
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var config = Path.Combine(dir, "config.yaml");
        File.WriteAllText(config, $"""
            host_id: {hostId}
            state_dir: {Path.Combine(dir, "state")}
            prune_stacks: true
            metrics:
              listen: 127.0.0.1:{port}
            fleet:
              repo: infra
              path: hosts/{"{host_id}"}.yaml
            repos:
              - name: infra
                url: {fx.Http.UrlFor(Path.GetFileName(origin.BarePath))}
                branch: main
                interval: 1s
                auth:
                  username: {DaemonFixture.HttpUser}
                  password_file: {passwordFile}
            """);
        return new FleetHost(new DaemonProcess(config, fx.EmptyDockerConfig, workingDirectory: fx.Root, log: line => output.WriteLine($"[{hostId}] {line}")) { Port = port });
    }

    private sealed record FleetHost(DaemonProcess Daemon) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Daemon.DisposeAsync();
    }

    private async Task<List<ContainerListResponse>> RunningAsync(string project) =>
        [.. (await fx.ContainersAsync(project)).Where(c => c.State == "running")];

    private async Task<IList<string>> EnvAsync(ContainerListResponse c) =>
        (await fx.Client.Containers.InspectContainerAsync(c.ID)).Config?.Env ?? [];

    private static async Task<JsonElement> StatusAsync(FleetHost host)
    {
        var (code, body) = await host.Daemon.GetAsync("/status");
        Assert.True(code == 200, $"/status answered {code}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<string?> HostFileCommitAsync(FleetHost host)
    {
        var (code, body) = await host.Daemon.GetAsync("/status");
        if (code != 200) return null;
        var h = JsonDocument.Parse(body).RootElement.GetProperty("host_file");
        return h.ValueKind == JsonValueKind.Object ? h.GetProperty("checked_commit").GetString() : null;
    }

    /// <summary>Polls until true; on timeout fails with both daemons' output.</summary>
    private static async Task EventuallyAsync(string what, Func<Task<bool>> condition, FleetHost a, FleetHost b)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or JsonException or Xunit.Sdk.XunitException)
            {
                // not there yet (the listener starting, a key not written yet)
            }
            if (watch.Elapsed > Wait)
                throw new Xunit.Sdk.XunitException($"timed out after {Wait.TotalSeconds:0}s waiting for: {what}\n--- host-a:\n{a.Daemon.Output}\n--- host-b:\n{b.Daemon.Output}");
            await Task.Delay(200);
        }
    }
}
