using Reconciler.Core.Policy;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using Reconciler.Configuration;
using Reconciler.Daemon;
using Reconciler.Observability;
using Reconciler.TestSupport;
using Xunit.Abstractions;
using static Reconciler.Tests.Observability.FakeEngine;

namespace Reconciler.Tests.Observability;

/// <summary>
/// The dashboard, the alert rules and the metrics documentation against the code: every metric they
/// name exists, and promtool accepts the rules, their unit tests and the exposition.
/// </summary>
public partial class ShippedFilesTests(ITestOutputHelper output)
{
    private static readonly string[] Families = FamiliesOf(Exposition.Of(Populated()));

    [Fact]
    public void The_dashboard_is_importable_with_the_datasource_as_a_variable()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Tools.Observability("grafana", "reconciler-dashboard.json")));
        var root = json.RootElement;
        Assert.False(root.TryGetProperty("id", out var id) && id.ValueKind != JsonValueKind.Null, "an exported dashboard must not carry a database id");
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        Assert.Contains(variables, v => v.GetProperty("type").GetString() == "datasource" && v.GetProperty("query").GetString() == "prometheus");
        Assert.Contains(variables, v => v.GetProperty("name").GetString() == "stack");
        // host_id (reconciler_host_info) picks the instances every panel filters on.
        var host = Assert.Single(variables, v => v.GetProperty("name").GetString() == "host");
        Assert.Contains("reconciler_host_info", host.GetProperty("query").GetProperty("query").GetString());
        Assert.Contains("$host", variables.Single(v => v.GetProperty("name").GetString() == "instance").GetProperty("query").GetProperty("query").GetString());

        var panels = root.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row").ToList();
        Assert.NotEmpty(panels);
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString();
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                Assert.Equal("${datasource}", target.GetProperty("datasource").GetProperty("uid").GetString());
                Assert.False(string.IsNullOrWhiteSpace(target.GetProperty("expr").GetString()), title);
            }
        }
        var titles = panels.Select(p => p.GetProperty("title").GetString()).ToList();
        foreach (var wanted in new[]
        {
            "Stacks in sync", "Drift by service and reason", "Drift by field", "Deployed commit per stack", "Deploy duration p50 / p95",
            "Reconcile rate by result", "Errors by phase, rollbacks", "Holding last good commit", "Container restarts", "Crash loops", "Git fetch age",
            "Swarm replicas: desired vs running", "Swarm task restarts", "Swarm services short of replicas",
        })
        {
            Assert.Contains(wanted, titles);
        }
    }

    [Fact]
    public void The_swarm_row_holds_the_replica_and_task_restart_panels()
    {
        var swarm = DashboardQueries.Of(Tools.Observability("grafana", "reconciler-dashboard.json"), "shop").Where(q => q.Row == "Swarm").ToList();
        Assert.Equal(["Swarm replicas: desired vs running", "Swarm services short of replicas", "Swarm task restarts"],
            swarm.Select(q => q.Panel).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(swarm, q => q.Expr.Contains("reconciler_service_replicas{", StringComparison.Ordinal) && q.Expr.Contains("state=\"desired\"", StringComparison.Ordinal));
        Assert.Contains(swarm, q => q.Expr.Contains("reconciler_service_replicas{", StringComparison.Ordinal) && q.Expr.Contains("state=\"running\"", StringComparison.Ordinal));
        Assert.Contains(swarm, q => q.Expr.Contains("reconciler_service_task_restarts_total{", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("grafana/reconciler-dashboard.json")]
    [InlineData("prometheus/alerts.yaml")]
    [InlineData("../docs/metrics.md")]
    public void Every_reconciler_metric_named_exists(string file)
    {
        var text = File.ReadAllText(Path.GetFullPath(Tools.Observability(file.Split('/'))));
        var named = MetricName().Matches(text).Select(m => m.Value).Distinct().ToList();
        Assert.NotEmpty(named);
        foreach (var name in named)
        {
            var family = Regex.Replace(name, "_(bucket|sum|count)$", "");
            Assert.True(Families.Contains(name) || Families.Contains(family), $"{file} names {name}, which /metrics does not export");
        }
    }

    [Fact]
    public void The_metrics_documentation_lists_every_reconciler_metric()
    {
        var readme = File.ReadAllText(Path.GetFullPath(Tools.Observability("..", "docs", "metrics.md")));
        foreach (var family in Families.Where(f => f.StartsWith("reconciler_", StringComparison.Ordinal)))
            Assert.Contains($"`{family}", readme);
    }

    [Fact]
    public async Task Promtool_accepts_the_alert_rules_and_their_unit_tests_pass()
    {
        if (Tools.Find("promtool") is not { } promtool)
        {
            output.WriteLine("promtool not installed (apt-get install prometheus); nothing checked");
            return;
        }
        var dir = Tools.Observability("prometheus");
        var check = await Tools.RunAsync(promtool, ["check", "rules", "alerts.yaml"], dir);
        Assert.True(check.ExitCode == 0, check.ToString());
        var test = await Tools.RunAsync(promtool, ["test", "rules", "alerts.test.yaml"], dir);
        Assert.True(test.ExitCode == 0, test.ToString());
    }

    [Fact]
    public async Task Promtool_accepts_the_exposition()
    {
        if (Tools.Find("promtool") is not { } promtool)
        {
            output.WriteLine("promtool not installed (apt-get install prometheus); nothing checked");
            return;
        }
        var text = Exposition.Of(Populated());
        var check = await Tools.RunAsync(promtool, ["check", "metrics"], stdin: text);
        Assert.True(check.ExitCode == 0, check + "\n--- exposition\n" + text);
    }

    /// <summary>A registry with every family holding samples: a few passes, fetches and a restarting container.</summary>
    private static CollectorRegistry Populated()
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = new ReconcilerMetrics(registry);
        var time = new ManualTime(T0);
        var status = new DaemonStatus(time);
        var config = new DaemonConfig
        {
            Path = "/c.yaml",
            StateDir = "/s",
            Repos = [new RepoConfig { Name = "apps", Url = "https://git.example/apps.git" }],
            Stacks = [new StackConfig { Name = "shop", Repo = "apps", Path = "shop" }],
            HostId = "web-1",
            Fleet = new FleetConfig { Repo = "apps" },
        };
        new MetricsRecorder(config, status, metrics, time, NullLogger<MetricsRecorder>.Instance).Attach();
        status.HostFileRefused("apps", "hosts/web-1.yaml", "2222222222222222222222222222222222222222", "invalid", "hosts/web-1.yaml:1:1: broken");
        status.RepoFetched("apps", T0, "1111111111111111111111111111111111111111");
        status.CountFetch("apps", "fetched");
        status.CountNotification("ops", "sent");
        status.StackPassed(new StackPassResult
        {
            Stack = "shop", Commit = "1111111111111111111111111111111111111111", Outcome = PassOutcome.DriftReported,
            Drift = [new DriftItem("web", "config", ["image"])], Done = [("web", "pull")],
        }, Trigger.Drift);
        var engine = new FakeEngine("shop");
        engine.Set("web", Running("c1", 1, T0));
        engine.Stream();
        new ContainerEventWatcher("shop", "shop", engine, engine, engine, metrics, null, null, time, NullLogger.Instance)
            .RunOnceAsync(CancellationToken.None).GetAwaiter().GetResult();
        return registry;
    }

    private static string[] FamiliesOf(string exposition) =>
    [
        .. exposition.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]),
    ];

    [GeneratedRegex(@"\breconciler_[a-z_]+[a-z]\b")]
    private static partial Regex MetricName();
}
