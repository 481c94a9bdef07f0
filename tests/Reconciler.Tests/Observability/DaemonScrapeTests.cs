using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Reconciler.Docker;
using Reconciler.TestSupport;
using Xunit.Abstractions;

namespace Reconciler.Tests.Observability;

/// <summary>
/// End to end: a real daemon deploys a stack from a local git repo onto the real engine, a real
/// Prometheus (Debian's package) scrapes its /metrics on loopback, and the test asks Prometheus's
/// HTTP API: the stack goes in sync, a stopped container shows as drift (self-heal off), a service
/// that keeps exiting under <c>restart: always</c> shows restarts and a crash loop, a config change
/// to a suspended stack shows which field drifted, traces reach an OTLP endpoint, every PromQL
/// expression of the shipped dashboard returns data, and promtool accepts the scraped text.
/// Needs the engine and test registry of tests/setup/engine.sh; fails (not skips) without the
/// engine, and without prometheus when CI is set.
/// </summary>
public sealed class DaemonScrapeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Image = "127.0.0.1:5000/reconciler-test/busybox:1.0";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly string _dir = Directory.CreateTempSubdirectory("obs-e2e-").FullName;
    private readonly string _project = "obs-" + Guid.NewGuid().ToString("N")[..8];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly DockerEngine _engine = DockerEngine.Connect();
    private Process? _daemon;
    private Process? _prometheus;
    private readonly StringBuilder _daemonLog = new();
    private readonly StringBuilder _prometheusLog = new();

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _engine.PingAsync(timeout.Token);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                $"The Docker engine is unreachable at {_engine.Endpoint}: {e.Message}. Start it with `bash tests/setup/engine.sh`; this test fails rather than skips without one.", e);
        }
        if (await _engine.Images.InspectAsync(Image) is null)
            throw new InvalidOperationException($"Test image {Image} is missing: run `bash tests/setup/engine.sh`.");
    }

    public async Task DisposeAsync()
    {
        foreach (var p in new[] { _daemon, _prometheus })
        {
            if (p is null) continue;
            try
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
            {
            }
            p.Dispose();
        }
        try
        {
            var observed = await _engine.State.ReadAsync(_project, []);
            foreach (var c in observed.Containers) await _engine.Containers.RemoveAsync(c.Id, force: true);
            foreach (var n in observed.Networks) await _engine.Networks.RemoveAsync(n.Id);
        }
        catch (Exception e)
        {
            output.WriteLine($"cleanup of {_project}: {e.Message}");
        }
        _engine.Dispose();
        _http.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task Prometheus_scraping_a_running_daemon_sees_sync_drift_restarts_and_every_dashboard_query()
    {
        if (Tools.Find("prometheus") is not { } prometheus || Tools.Find("promtool") is not { } promtool)
        {
            output.WriteLine("prometheus not installed (apt-get install prometheus); nothing checked");
            return;
        }
        var stack = _project;
        await CommitStackAsync();
        var metricsPort = FreePort();
        var prometheusPort = FreePort();
        var otlpPort = FreePort();
        using var otlp = new OtlpReceiver(otlpPort);
        var config = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(config, $"""
            state_dir: {_dir}/state
            metrics:
              listen: 127.0.0.1:{metricsPort}
            telemetry:
              otlp_endpoint: http://127.0.0.1:{otlpPort}/v1/traces
            repos:
              - name: obs
                url: {_dir}/repo
                branch: main
                interval: 5s
            stacks:
              - name: {stack}
                repo: obs
                path: .
                self_heal: false
                drift_interval: 2s
            """);
        var prometheusConfig = Path.Combine(_dir, "prometheus.yml");
        File.WriteAllText(prometheusConfig, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - {Tools.Observability("prometheus", "alerts.yaml")}
            scrape_configs:
              - job_name: reconciler
                static_configs:
                  - targets: ['127.0.0.1:{metricsPort}']
            """);

        _daemon = Start(DotnetHost(), ["exec", Path.Combine(AppContext.BaseDirectory, "reconciler.dll"), "run", "--config", config], _daemonLog);
        _prometheus = Start(prometheus,
        [
            $"--config.file={prometheusConfig}", $"--storage.tsdb.path={_dir}/prometheus-data",
            $"--web.listen-address=127.0.0.1:{prometheusPort}", "--log.level=warn",
        ], _prometheusLog);
        var api = $"http://127.0.0.1:{prometheusPort}/api/v1/query";

        // Deployed: in sync, as Prometheus sees it.
        await WaitForAsync(api, $"reconciler_stack_in_sync{{stack=\"{stack}\"}} == 1", "the stack to be deployed and in sync");

        // Host pressure, sampled every 30 s: Docker's disk, the stack's image bytes, web's memory
        // against its 64m limit; and the guardrails' warnings (every rule warns by default; busybox
        // services without healthcheck or log rotation have findings).
        await WaitForAsync(api, "reconciler_docker_disk_free_bytes > 0 and reconciler_docker_disk_size_bytes > 0", "the data root's disk metrics");
        await WaitForAsync(api, $"reconciler_stack_image_bytes{{stack=\"{stack}\"}} > 0", "the stack's image bytes");
        await WaitForAsync(api, $"reconciler_container_memory_limit_bytes{{stack=\"{stack}\",service=\"web\"}} == 67108864", "web's memory limit");
        await WaitForAsync(api, $"reconciler_container_memory_usage_bytes{{stack=\"{stack}\",service=\"web\"}} > 0", "web's memory use");
        await WaitForAsync(api, $"reconciler_policy_findings{{stack=\"{stack}\",service=\"web\",rule=\"no-healthcheck\"}} == 1", "web's no-healthcheck finding");
        await WaitForAsync(api, $"reconciler_policy_findings{{stack=\"{stack}\",service=\"crash\",rule=\"no-memory-limit\"}} == 1", "crash's no-memory-limit finding");
        var free = await ValueAsync(api, "reconciler_docker_disk_free_bytes");
        output.WriteLine($"docker data root: {free / 1e9:0.0} GB free; web memory {await ValueAsync(api, $"reconciler_container_memory_usage_bytes{{stack=\"{stack}\",service=\"web\"}}")} bytes");

        // Drift: a managed container stopped by hand, and self-heal off.
        await _engine.Containers.StopAsync($"{_project}-web-1", TimeSpan.FromSeconds(5));
        await WaitForAsync(api, $"reconciler_stack_drift{{stack=\"{stack}\",service=\"web\",reason=\"stopped\"}} == 1", "the stopped container to show as drift");
        await WaitForAsync(api, $"reconciler_stack_in_sync{{stack=\"{stack}\"}} == 0", "the stack to be out of sync");
        await WaitForAsync(api, $"reconciler_stack_info{{stack=\"{stack}\",sync_status=\"out_of_sync\"}} == 1", "stack_info to say out_of_sync");

        // Restarts by the restart policy, between passes: counted, and a crash loop.
        await WaitForAsync(api, $"reconciler_container_restarts_total{{stack=\"{stack}\",service=\"crash\"}} >= 2", "restarts of the crashing service");
        await WaitForAsync(api, $"reconciler_container_crashloop{{stack=\"{stack}\",service=\"crash\"}} == 1", "the crash-loop signal");
        var restarts = await ValueAsync(api, $"reconciler_container_restarts_total{{stack=\"{stack}\",service=\"crash\"}}");
        var engineCount = (await _engine.Containers.InspectAsync($"{_project}-crash-1"))!.RestartCount;
        output.WriteLine($"restarts: metric {restarts}, engine RestartCount {engineCount}");
        Assert.InRange(restarts, engineCount - 1, engineCount);

        // A config change that may not be applied (the stack suspended): drift names the field.
        var suspend = await Tools.RunAsync(DotnetHost(), ["exec", Path.Combine(AppContext.BaseDirectory, "reconciler.dll"), "suspend", stack, "--config", config], _dir);
        Assert.True(suspend.ExitCode == 0, suspend.ToString());
        await CommitAsync(Compose(webEnvironment: "LEVEL: \"2\""), "web: LEVEL=2");
        await WaitForAsync(api, $"reconciler_stack_drift_fields{{stack=\"{stack}\",service=\"web\",field=\"environment\"}} == 1", "the environment drift of web");
        await WaitForAsync(api, $"reconciler_stack_info{{stack=\"{stack}\",sync_status=\"suspended\"}} == 1", "stack_info to say suspended");

        // Every query of the dashboard returns data, with its variables set as Grafana would. The Swarm
        // row needs a Swarm stack: tests/Reconciler.Integration.Tests/Swarm/SwarmMetricsTests asks those.
        var empty = new List<string>();
        foreach (var query in DashboardQueries.Of(Tools.Observability("grafana", "reconciler-dashboard.json"), stack).Where(q => q.Row != "Swarm"))
        {
            var result = await QueryAsync(api, query.Expr);
            if (result.GetArrayLength() == 0) empty.Add($"{query.Panel}: {query.Expr}");
        }
        Assert.True(empty.Count == 0, "dashboard queries without data:\n" + string.Join('\n', empty));

        // The alert rules loaded into a real Prometheus.
        var rules = await _http.GetStringAsync($"http://127.0.0.1:{prometheusPort}/api/v1/rules");
        foreach (var alert in new[] { "StackOutOfSync", "StackReconcileFailing", "ContainerCrashLooping", "GitFetchStale", "ReconcilerDown", "DockerDiskFillingUp", "ContainerNearMemoryLimit" })
            Assert.Contains($"\"{alert}\"", rules);

        // And promtool accepts what the daemon serves.
        var text = await _http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
        var check = await Tools.RunAsync(promtool, ["check", "metrics"], stdin: text);
        Assert.True(check.ExitCode == 0, check + "\n--- /metrics\n" + text);
        Assert.Contains("process_cpu_seconds_total", text);

        // Traces went out over OTLP/HTTP: passes with their phase and action spans, tagged with the stack.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && !otlp.Received(["reconcile", "plan", "action", stack])) await Task.Delay(500);
        Assert.True(otlp.Received(["reconcile", "plan", "action", stack]), $"OTLP export: {otlp.Requests} requests, none with the pass's spans");
    }

    /// <summary>
    /// A minimal OTLP/HTTP endpoint: accepts POST /v1/traces and keeps the bodies. Span names and
    /// attribute values are plain UTF-8 strings inside the protobuf, which is all the test looks at.
    /// </summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<byte[]> _bodies = [];

        public OtlpReceiver(int port)
        {
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public int Requests
        {
            get { lock (_bodies) return _bodies.Count; }
        }

        public bool Received(string[] texts)
        {
            lock (_bodies)
            {
                var all = Encoding.UTF8.GetString([.. _bodies.SelectMany(b => b)]);
                return texts.All(t => all.Contains(t, StringComparison.Ordinal));
            }
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/traces") lock (_bodies) _bodies.Add(body.ToArray());
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }

    private string Compose(string webEnvironment = "LEVEL: \"1\"") => $$"""
        name: {{_project}}
        services:
          web:
            image: {{Image}}
            command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
            mem_limit: 64m
            environment:
              {{webEnvironment}}
          crash:
            image: {{Image}}
            # Up long enough to pass the rollout's settle period, then exits: the policy restarts it.
            command: ["sh", "-c", "sleep 7; exit 3"]
            restart: always
        """;

    private async Task CommitStackAsync()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "repo"));
        var init = await Tools.RunAsync("git", ["init", "-q", "-b", "main"], Path.Combine(_dir, "repo"));
        Assert.True(init.ExitCode == 0, init.ToString());
        await CommitAsync(Compose(), "stack");
    }

    private async Task CommitAsync(string compose, string message)
    {
        var repo = Path.Combine(_dir, "repo");
        File.WriteAllText(Path.Combine(repo, "compose.yaml"), compose);
        foreach (var args in new[]
        {
            new[] { "add", "compose.yaml" },
            ["-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", message],
        })
        {
            var r = await Tools.RunAsync("git", args, repo);
            Assert.True(r.ExitCode == 0, $"git {string.Join(' ', args)}: {r}");
        }
    }

    private async Task WaitForAsync(string api, string expr, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (_daemon is { HasExited: true }) Assert.Fail($"the daemon exited ({_daemon.ExitCode}) waiting for {what}\n{Logs()}");
            try
            {
                if ((await QueryAsync(api, expr)).GetArrayLength() > 0) return;
            }
            catch (HttpRequestException)
            {
                // Prometheus still starting.
            }
            await Task.Delay(500);
        }
        Assert.Fail($"timed out after {Patience.TotalSeconds:0}s waiting for {what} ({expr})\n{Logs()}");
    }

    private async Task<double> ValueAsync(string api, string expr)
    {
        var result = await QueryAsync(api, expr);
        return double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    private async Task<JsonElement> QueryAsync(string api, string expr)
    {
        var body = await _http.GetStringAsync($"{api}?query={Uri.EscapeDataString(expr)}");
        using var json = JsonDocument.Parse(body);
        Assert.Equal("success", json.RootElement.GetProperty("status").GetString());
        return json.RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    private string Logs() => $"--- daemon\n{_daemonLog}\n--- prometheus\n{_prometheusLog}";

    private Process Start(string file, string[] args, StringBuilder log)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = _dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        if (!process.Start()) throw new InvalidOperationException($"could not start {file}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
