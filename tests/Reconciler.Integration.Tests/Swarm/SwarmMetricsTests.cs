using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Reconciler.Integration.Tests.Swarm;

/// <summary>
/// The daemon (<c>reconciler run</c>, a real process) on the bed's manager with an <c>engine: swarm</c>
/// stack: a service whose tasks keep exiting raises <c>reconciler_service_task_restarts_total</c>, the
/// replicas gauge shows the state after the rollout, and a real Prometheus scraping the daemon finds
/// data for every query of the dashboard's Swarm row (the other rows are asked by
/// Reconciler.Tests' DaemonScrapeTests). Fails without prometheus when CI is set.
/// </summary>
[Collection(SwarmCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class SwarmMetricsTests(SwarmTestbed bed, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly string _stack = "met" + Guid.NewGuid().ToString("N")[..6];
    private readonly string _dir = Directory.CreateTempSubdirectory("swarm-metrics-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private DaemonProcess? _daemon;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_daemon is not null)
        {
            output.WriteLine(_daemon.Output);
            await _daemon.DisposeAsync();
        }
        await bed.RemoveStackAsync(_stack);
        _http.Dispose();
    }

    [Fact]
    public async Task A_service_whose_tasks_exit_raises_task_restarts_and_every_swarm_dashboard_query_has_data()
    {
        var origin = new OriginRepository(Path.Combine(_dir, "origin.git"), Path.Combine(_dir, "work"));
        origin.Commit("app", new Dictionary<string, string?>
        {
            ["app/compose.yaml"] = $$"""
                services:
                  web:
                    image: {{SwarmTestbed.Image}}
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
                    stop_grace_period: 1s
                    deploy:
                      replicas: 2
                  crash:
                    image: {{SwarmTestbed.Image}}
                    # Up long enough for the rollout gate to see it running, then fails: Swarm restarts it.
                    command: ["sh", "-c", "sleep 3; exit 1"]
                    stop_grace_period: 1s
                    deploy:
                      restart_policy: {condition: on-failure, delay: 1s}
                """,
        });
        var port = PrometheusServer.FreePort();
        var config = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(config, $"""
            state_dir: {Path.Combine(_dir, "state")}
            docker:
              host: {SwarmTestbed.Manager}
            metrics:
              listen: 127.0.0.1:{port}
            image_gc:
              enabled: false
            repos:
              - name: infra
                url: {origin.FileUrl}
                interval: 5s
            stacks:
              - name: {_stack}
                repo: infra
                path: app
                engine: swarm
                drift_interval: 2s
                health_timeout: 60s
            """);
        _daemon = new DaemonProcess(config, Directory.CreateTempSubdirectory("swarm-metrics-docker-").FullName) { Port = port };
        _daemon.Start();

        // After the deploying pass the gauge shows the rollout's result, not the empty stack it planned from.
        var web = $"{_stack}_web";
        var crash = $"{_stack}_crash";
        await WaitForAsync(port, $"reconciler_service_replicas{{stack=\"{_stack}\",service=\"{web}\",state=\"running\"}}", v => v == 2, "both web tasks running");
        Assert.Equal(2, (await ScrapeAsync(port)).GetValueOrDefault($"reconciler_service_replicas{{stack=\"{_stack}\",service=\"{web}\",state=\"desired\"}}"));

        // The crashing service's failed tasks, replaced in their slot, are counted at the passes that follow.
        var restarts = $"reconciler_service_task_restarts_total{{stack=\"{_stack}\",service=\"{crash}\"}}";
        await WaitForAsync(port, restarts, v => v >= 2, "two task restarts of the crashing service");
        var failedTasks = bed.Docker(null, "service", "ps", crash, "--filter", "desired-state=shutdown", "--format", "{{.CurrentState}}").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(s => s.StartsWith("Failed", StringComparison.Ordinal));
        var counted = (await ScrapeAsync(port))[restarts];
        output.WriteLine($"task restarts: metric {counted}, failed tasks the engine still lists {failedTasks}");
        Assert.True(counted >= failedTasks - 1, $"counted {counted}, the engine lists {failedTasks} failed tasks");
        Assert.Equal(0, (await ScrapeAsync(port)).GetValueOrDefault($"reconciler_service_task_restarts_total{{stack=\"{_stack}\",service=\"{web}\"}}", -1));

        // Every query of the dashboard's Swarm row returns data from a real Prometheus scraping the daemon.
        if (PrometheusServer.Binary() is not { } binary)
        {
            output.WriteLine("prometheus not installed (apt-get install prometheus); the dashboard's Swarm row was not checked");
            return;
        }
        using var prometheus = new PrometheusServer(binary, _dir, $"127.0.0.1:{port}");
        var queries = DashboardQueries.Of(DashboardQueries.File(RepoRoot()), _stack).Where(q => q.Row == "Swarm").ToList();
        Assert.NotEmpty(queries);
        var deadline = DateTime.UtcNow + Patience;
        List<string> empty;
        do
        {
            await Task.Delay(1000);
            empty = [];
            foreach (var q in queries)
                if ((await prometheus.QueryAsync(q.Expr)).Count == 0) empty.Add($"{q.Panel}: {q.Expr}");
        }
        while (empty.Count > 0 && DateTime.UtcNow < deadline);
        Assert.True(empty.Count == 0, "Swarm row queries without data:\n" + string.Join('\n', empty) + "\n--- prometheus\n" + prometheus.Log);
        var increase = await prometheus.QueryAsync($"sum(increase(reconciler_service_task_restarts_total{{stack=\"{_stack}\",service=\"{crash}\"}}[5m]))");
        output.WriteLine($"increase over 5m as Prometheus sees it: {increase.Single().Value}");
    }

    private async Task WaitForAsync(int port, string series, Func<double, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        double? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_daemon is { Running: false }) Assert.Fail($"the daemon exited ({_daemon.ExitCode}) waiting for {what}");
            try
            {
                if ((await ScrapeAsync(port)).TryGetValue(series, out var value))
                {
                    last = value;
                    if (condition(value)) return;
                }
            }
            catch (HttpRequestException)
            {
                // Still starting.
            }
            await Task.Delay(500);
        }
        Assert.Fail($"timed out after {Patience.TotalSeconds:0} s waiting for {what} ({series} = {last?.ToString(CultureInfo.InvariantCulture) ?? "absent"})");
    }

    /// <summary>Every sample of /metrics, keyed by name and labels as written.</summary>
    private async Task<Dictionary<string, double>> ScrapeAsync(int port)
    {
        var text = await _http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Match m in Sample().Matches(text))
            samples[m.Groups[1].Value] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return samples;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Reconciler.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Reconciler.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"^(reconciler_[a-z_]+\{[^}]*\}) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
