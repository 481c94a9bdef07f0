using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using Reconciler.Configuration;
using Reconciler.Core.Policy;
using Reconciler.Daemon;
using Reconciler.Observability;
using Reconciler.Tests.Observability;

namespace Reconciler.Tests.Fleet;

/// <summary>The host's series: host_info, the host file's verdicts, and stacks that come and go with the host file.</summary>
public sealed class FleetMetricsTests
{
    private static readonly DaemonConfig Config = new()
    {
        Path = "/etc/reconciler/config.yaml",
        StateDir = "/var/lib/reconciler",
        HostId = "web-1",
        Fleet = new FleetConfig { Repo = "infra" },
        Repos = [new RepoConfig { Name = "infra", Url = "https://git.example/infra.git" }],
        Stacks = [new StackConfig { Name = "shop", Repo = "infra", Path = "shop" }],
    };

    private readonly ManualTime _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly DaemonStatus _status;
    private readonly ActiveStacks _active = new(Config);
    private readonly MetricsRecorder _recorder;

    public FleetMetricsTests()
    {
        _status = new DaemonStatus(_time);
        _recorder = new MetricsRecorder(Config, _status, new ReconcilerMetrics(_registry), _time, NullLogger<MetricsRecorder>.Instance, _active);
        _recorder.Attach();
    }

    private string Text => Exposition.Of(_registry);

    [Fact]
    public void Host_info_carries_the_host_id()
    {
        var info = Assert.Single(Exposition.Samples(Text, "reconciler_host_info"));

        Assert.StartsWith("reconciler_host_info{host_id=\"web-1\",version=", info);
        Assert.EndsWith(" 1", info);
    }

    [Fact]
    public void The_host_file_gauge_follows_each_check_and_refusals_are_counted_by_reason()
    {
        Assert.Equal(["reconciler_host_file_ok 0"], Exposition.Samples(Text, "reconciler_host_file_ok"));

        _status.HostFileUsed("infra", "hosts/web-1.yaml", "c1");
        Assert.Equal(["reconciler_host_file_ok 1"], Exposition.Samples(Text, "reconciler_host_file_ok"));

        _status.HostFileRefused("infra", "hosts/web-1.yaml", "c2", "empty", "would remove every stack");
        Assert.Equal(["reconciler_host_file_ok 0"], Exposition.Samples(Text, "reconciler_host_file_ok"));
        Assert.Equal(["reconciler_host_file_refusals_total{reason=\"empty\"} 1", "reconciler_host_file_refusals_total{reason=\"invalid\"} 0"],
            Exposition.Samples(Text, "reconciler_host_file_refusals_total"));
    }

    [Fact]
    public void A_stack_added_gets_zero_series_and_a_stack_removed_loses_every_series()
    {
        var web = new StackConfig { Name = "web", Repo = "infra", Path = "stacks/web" };
        _active.Add(web);
        Assert.Contains("reconciler_stack_in_sync{stack=\"web\"} 0", Text);

        _status.StackPassed(new StackPassResult
        {
            Stack = "web", Commit = "1111111111111111111111111111111111111111", Outcome = PassOutcome.Applied,
            Done = [("web", "create")], Drift = [new DriftItem("web", "missing", [])],
        }, Trigger.Poll);
        Assert.Contains("reconciler_stack_info{stack=\"web\",repo=\"infra\"", Text);

        _active.Remove(web);
        _recorder.Forget("web");

        Assert.DoesNotContain("stack=\"web\"", Text);
        Assert.Contains("reconciler_stack_in_sync{stack=\"shop\"} 0", Text);
    }
}
