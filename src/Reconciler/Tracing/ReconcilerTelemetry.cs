using Reconciler.Core.Policy;
using System.Diagnostics;
using Reconciler.Core.Planning;
using Reconciler.Docker.Execution;

namespace Reconciler.Tracing;

/// <summary>
/// Tracing: the <c>Reconciler</c> activity source, one trace per reconcile pass ("reconcile") with
/// child spans for its phases ("fetch", "load", "plan") and each engine action ("action"), tagged
/// <c>stack</c>, <c>commit</c>, <c>service</c>, <c>action</c>. Spans are exported only when
/// <c>telemetry.otlp_endpoint</c> is set (<see cref="ObservabilityServices"/>); otherwise nothing
/// listens to the source and every helper here returns at its first check, allocating nothing.
/// </summary>
internal static class ReconcilerTelemetry
{
    public const string SourceName = "Reconciler";

    public static readonly ActivitySource Source = new(SourceName, ProductVersion.Version);

    public static bool Enabled => Source.HasListeners();

    /// <summary>Starts the root span of a pass (a new trace, whatever is current).</summary>
    public static Activity? StartPass(string stack, Trigger trigger)
    {
        if (!Enabled) return null;
        var previous = Activity.Current;
        Activity.Current = null;
        var span = Source.StartActivity("reconcile", ActivityKind.Internal);
        if (span is null)
        {
            Activity.Current = previous;
            return null;
        }
        span.SetTag("stack", stack);
        span.SetTag("trigger", trigger.ToString().ToLowerInvariant());
        return span;
    }

    /// <summary>Ends the pass's span with what the pass returned.</summary>
    public static void EndPass(Activity? span, StackPassResult result)
    {
        if (span is null) return;
        span.SetTag("commit", result.Commit);
        span.SetTag("outcome", result.Outcome.ToString().ToLowerInvariant());
        span.SetTag("actions", result.Actions);
        if (result.Outcome == PassOutcome.Failed)
        {
            span.SetTag("phase", result.FailedPhase);
            span.SetStatus(ActivityStatusCode.Error, result.Error);
        }
        span.Dispose();
    }

    /// <summary>When a phase began; default when tracing is off.</summary>
    public static DateTimeOffset PhaseStart() => Enabled ? DateTimeOffset.UtcNow : default;

    /// <summary>
    /// Records a finished phase of the current pass as a child span from <paramref name="started"/> to now.
    /// Recorded after the fact so that the pass's code keeps its shape (early returns included).
    /// </summary>
    public static void Phase(string name, string stack, string? commit, DateTimeOffset started, string? error = null)
    {
        if (started == default || Activity.Current is not { } parent || parent.Source != Source) return;
        using var span = Source.StartActivity(name, ActivityKind.Internal, parent.Context, startTime: started);
        if (span is null) return;
        span.SetTag("stack", stack);
        span.SetTag("commit", commit);
        if (error is not null) span.SetStatus(ActivityStatusCode.Error, error);
    }

    /// <summary>
    /// Wraps an executor observer so each action gets a span (child of the current pass); returns
    /// <paramref name="inner"/> itself when tracing is off.
    /// </summary>
    public static IExecutionObserver TraceActions(IExecutionObserver inner, string stack, string? commit) =>
        Enabled && Activity.Current is { } parent && parent.Source == Source
            ? new ActionSpanObserver(inner, stack, commit, parent.Context)
            : inner;

    /// <summary>
    /// A span for one check of a repo's remote (its own trace: fetches are not part of a pass).
    /// End it with <see cref="EndFetch"/>.
    /// </summary>
    public static Activity? StartFetch(string repo)
    {
        if (!Enabled) return null;
        var previous = Activity.Current;
        Activity.Current = null;
        var span = Source.StartActivity("fetch", ActivityKind.Client);
        if (span is null) Activity.Current = previous;
        span?.SetTag("repo", repo);
        return span;
    }

    public static void EndFetch(Activity? span, string result, string? commit = null, string? error = null)
    {
        if (span is null) return;
        span.SetTag("result", result);
        span.SetTag("commit", commit);
        if (error is not null) span.SetStatus(ActivityStatusCode.Error, error);
        span.Dispose();
    }

    /// <summary>
    /// The <c>action</c> label and attribute of a plan action: its <see cref="PlanAction.Verb"/> with
    /// <c>_</c> for a space (pull, create, recreate, start, restart, stop, remove, rename,
    /// create_network, create_volume), so label values stay single tokens.
    /// </summary>
    public static string ActionName(PlanAction a) => a.Verb.Replace(' ', '_');
}
