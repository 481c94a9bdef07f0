using Reconciler.Core.Policy;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;
using Reconciler.Configuration;
using Reconciler.Core.Planning;
using Reconciler.Daemon;
using Reconciler.Docker.Execution;
using Reconciler.Observability;
using Reconciler.Tracing;

namespace Reconciler.Tests.Tracing;

/// <summary>Listeners on an ActivitySource are process-wide: these tests run one at a time.</summary>
[CollectionDefinition(nameof(TracingTests), DisableParallelization = true)]
public sealed class TracingCollection;

[Collection(nameof(TracingTests))]
public class TracingTests
{
    private const string Sha = "1111111111111111111111111111111111111111";

    private static readonly StartContainer StartWeb = new()
    {
        Id = 1, Service = "web", Reason = "container stopped", ContainerName = "shop-web-1", ContainerId = "c1",
    };

    private sealed class CountingObserver : IExecutionObserver
    {
        public int Started { get; private set; }
        public int Finished { get; private set; }
        void IExecutionObserver.Started(PlanAction action) => Started++;
        void IExecutionObserver.Finished(ActionOutcome outcome) => Finished++;
    }

    [Fact]
    public void Without_a_listener_no_span_is_made_and_the_observer_is_not_wrapped()
    {
        var inner = new CountingObserver();

        Assert.False(ReconcilerTelemetry.Enabled);
        Assert.Null(ReconcilerTelemetry.StartPass("shop", Trigger.Poll));
        Assert.Equal(default, ReconcilerTelemetry.PhaseStart());
        Assert.Same(inner, ReconcilerTelemetry.TraceActions(inner, "shop", Sha));
        Assert.Null(ReconcilerTelemetry.StartFetch("apps"));
    }

    [Fact]
    public void A_pass_is_one_trace_with_spans_for_its_phases_and_each_action()
    {
        var spans = new List<Activity>();
        using var listener = RecordSpans(spans);
        var inner = new CountingObserver();

        var pass = ReconcilerTelemetry.StartPass("shop", Trigger.Drift);
        var loadStarted = ReconcilerTelemetry.PhaseStart();
        ReconcilerTelemetry.Phase("load", "shop", Sha, loadStarted);
        ReconcilerTelemetry.Phase("plan", "shop", Sha, ReconcilerTelemetry.PhaseStart(), "plan blocked");
        var observer = ReconcilerTelemetry.TraceActions(inner, "shop", Sha);
        observer.Started(StartWeb);
        observer.Finished(new ActionOutcome(StartWeb, ActionResult.Done, null, TimeSpan.FromMilliseconds(5)));
        ReconcilerTelemetry.EndPass(pass, new StackPassResult { Stack = "shop", Commit = Sha, Outcome = PassOutcome.Applied, Actions = 1 });

        Assert.Null(Activity.Current);
        Assert.Equal((1, 1), (inner.Started, inner.Finished));
        var root = Assert.Single(spans, s => s.OperationName == "reconcile");
        Assert.Equal(default, root.ParentSpanId);
        Assert.Equal("shop", root.GetTagItem("stack"));
        Assert.Equal(Sha, root.GetTagItem("commit"));
        Assert.Equal("drift", root.GetTagItem("trigger"));
        Assert.Equal(["load", "plan", "action", "reconcile"], spans.Select(s => s.OperationName));
        foreach (var child in spans.Where(s => s != root))
        {
            Assert.Equal(root.TraceId, child.TraceId);
            Assert.Equal(root.SpanId, child.ParentSpanId);
            Assert.Equal("shop", child.GetTagItem("stack"));
            Assert.Equal(Sha, child.GetTagItem("commit"));
        }
        Assert.Equal(ActivityStatusCode.Error, spans.Single(s => s.OperationName == "plan").Status);
        var action = spans.Single(s => s.OperationName == "action");
        Assert.Equal("web", action.GetTagItem("service"));
        Assert.Equal("start", action.GetTagItem("action"));
    }

    [Fact]
    public void A_restart_is_traced_and_counted_as_a_restart_not_a_start()
    {
        var spans = new List<Activity>();
        using var listener = RecordSpans(spans);
        var restart = new RestartContainer { Id = 1, Service = "web", Reason = "dependency db was recreated", ContainerName = "shop-web-1", ContainerId = "c1" };

        var pass = ReconcilerTelemetry.StartPass("shop", Trigger.Drift);
        var observer = ReconcilerTelemetry.TraceActions(new CountingObserver(), "shop", Sha);
        observer.Started(restart);
        observer.Finished(new ActionOutcome(restart, ActionResult.Done));
        ReconcilerTelemetry.EndPass(pass, new StackPassResult { Stack = "shop", Commit = Sha, Outcome = PassOutcome.Applied, Actions = 1 });

        Assert.Equal("restart", spans.Single(s => s.OperationName == "action").GetTagItem("action"));
        Assert.Equal("restart", ReconcilerTelemetry.ActionName(restart));
        Assert.Equal("create_network", ReconcilerTelemetry.ActionName(new CreateNetwork { Network = new() { Name = "shop_default" }, Reason = "network missing" }));
    }

    [Fact]
    public void A_failed_pass_marks_its_trace_as_an_error_with_the_phase()
    {
        var spans = new List<Activity>();
        using var listener = RecordSpans(spans);

        var pass = ReconcilerTelemetry.StartPass("shop", Trigger.Poll);
        ReconcilerTelemetry.EndPass(pass, new StackPassResult
        {
            Stack = "shop", Commit = Sha, Outcome = PassOutcome.Failed, FailedPhase = "load", Error = "compose.yaml:1:1: bad",
        });

        var root = Assert.Single(spans);
        Assert.Equal(ActivityStatusCode.Error, root.Status);
        Assert.Equal("load", root.GetTagItem("phase"));
    }

    [Fact]
    public void The_otlp_exporter_is_registered_only_when_an_endpoint_is_configured()
    {
        var config = new DaemonConfig { Path = "/x/config.yaml", StateDir = "/x/state" };

        using (var off = new ServiceCollection().AddLogging().AddReconcilerObservability(config).BuildServiceProvider())
            Assert.Null(off.GetService<TracerProvider>());
        Assert.False(ReconcilerTelemetry.Enabled);

        using (var on = new ServiceCollection().AddLogging()
            .AddReconcilerObservability(config with { OtlpEndpoint = "http://127.0.0.1:4317" }).BuildServiceProvider())
        {
            Assert.NotNull(on.GetService<TracerProvider>());
            Assert.True(ReconcilerTelemetry.Enabled);
        }
        Assert.False(ReconcilerTelemetry.Enabled);
    }

    [Theory]
    [InlineData("http://collector:4317", OtlpExportProtocol.Grpc)]
    [InlineData("https://collector:4318/v1/traces", OtlpExportProtocol.HttpProtobuf)]
    public void The_otlp_protocol_follows_the_endpoint(string endpoint, OtlpExportProtocol protocol)
    {
        var options = new OtlpExporterOptions();
        ObservabilityServices.ConfigureOtlp(options, endpoint);

        Assert.Equal(protocol, options.Protocol);
        Assert.Equal(new Uri(endpoint), options.Endpoint);
    }

    [Theory]
    [InlineData("collector:4317")]
    [InlineData("ftp://collector")]
    [InlineData("")]
    public void An_endpoint_that_is_not_an_http_url_is_refused(string endpoint) =>
        Assert.NotNull(TelemetrySettings.OtlpEndpointError(endpoint));

    /// <summary>Records every finished span of Reconciler's activity source into <paramref name="spans"/> until disposed.</summary>
    private static ActivityListener RecordSpans(List<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == ReconcilerTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
