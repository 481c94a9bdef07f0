using System.Collections.Concurrent;
using System.Diagnostics;
using Reconciler.Core.Planning;
using Reconciler.Docker.Execution;

namespace Reconciler.Tracing;

/// <summary>
/// An <see cref="IExecutionObserver"/> that opens a span per action when the executor starts it and
/// closes it when it finishes, then hands every call on to the observer it wraps (the log lines).
/// Actions run in parallel, so spans are parented explicitly on the pass and never left current.
/// </summary>
internal sealed class ActionSpanObserver(IExecutionObserver inner, string stack, string? commit, ActivityContext parent) : IExecutionObserver
{
    private readonly ConcurrentDictionary<PlanAction, Activity> _open = new(ReferenceEqualityComparer.Instance);

    public void Started(PlanAction action)
    {
        if (Open(action, DateTimeOffset.UtcNow) is { } span) _open[action] = span;
        inner.Started(action);
    }

    public void Progress(PlanAction action, string message) => inner.Progress(action, message);

    public void Finished(ActionOutcome outcome)
    {
        // A skipped action never started: its span is a point in time.
        var span = _open.TryRemove(outcome.Action, out var s) ? s : Open(outcome.Action, DateTimeOffset.UtcNow - outcome.Duration);
        if (span is not null)
        {
            span.SetTag("result", outcome.Result.ToString().ToLowerInvariant());
            if (outcome.Result != ActionResult.Done) span.SetStatus(ActivityStatusCode.Error, outcome.Error);
            var previous = Activity.Current;
            span.Dispose();
            Activity.Current = previous;
        }
        inner.Finished(outcome);
    }

    private Activity? Open(PlanAction action, DateTimeOffset started)
    {
        var previous = Activity.Current;
        var span = ReconcilerTelemetry.Source.StartActivity("action", ActivityKind.Internal, parent, startTime: started);
        Activity.Current = previous;
        if (span is null) return null;
        span.SetTag("stack", stack);
        span.SetTag("commit", commit);
        span.SetTag("service", action.Service);
        span.SetTag("action", ReconcilerTelemetry.ActionName(action));
        span.SetTag("reason", action.Reason);
        return span;
    }
}
