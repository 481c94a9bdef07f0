using Reconciler.Core.Policy;
using Microsoft.Extensions.Logging;

namespace Reconciler.Daemon;

/// <summary>
/// The loop of one stack: one pass at a time, triggers coalesced, a drift tick every
/// drift_interval. Isolated: a failing stack never slows or stops another.
/// </summary>
public sealed partial class StackWorker(IStackPass reconciler, DaemonStatus status, Heartbeats heartbeats, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(5);
    /// <summary>After an event-woken pass that acted, the next event waits this long, doubling up to drift_interval.</summary>
    private static readonly TimeSpan FirstEventHold = TimeSpan.FromSeconds(1);
    private readonly TriggerGate _gate = new();
    private int _retryPending;
    // Only the loop touches these two.
    private int _failuresInARow;
    private TimeSpan _eventHold;
    private int _eventWoken;
    private int _eventWakePending;
    private long _eventNotBeforeTicks;
    private CancellationToken _stopping;

    public string Name => reconciler.Stack.Name;
    public IStackPass Reconciler => reconciler;

    public void Fire(Trigger trigger) => _gate.Fire(trigger);

    /// <summary>
    /// An engine event on one of the stack's containers (stopped, removed, replaced, unhealthy): a
    /// pass now, with a drift tick's rights — it repairs only with self_heal, else reports the drift.
    /// Coalesced like any trigger. Damped so that a container that dies as soon as it is started is
    /// not restarted in a tight loop: after an event-woken pass that acted (or failed), the next
    /// event waits 1 s, then 2 s, … up to drift_interval; a pass that finds nothing to do resets it.
    /// </summary>
    public void FireEvent()
    {
        var wait = new DateTimeOffset(Volatile.Read(ref _eventNotBeforeTicks), TimeSpan.Zero) - time.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            Volatile.Write(ref _eventWoken, 1);
            _gate.Fire(Trigger.Drift);
            return;
        }
        if (Interlocked.Exchange(ref _eventWakePending, 1) == 1) return;
        // Not awaited: it ends with the token or when it fires.
        _ = EventWakeAfterAsync(wait);
    }

    private async Task EventWakeAfterAsync(TimeSpan wait)
    {
        try
        {
            await Task.Delay(wait, time, _stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        finally
        {
            Volatile.Write(ref _eventWakePending, 0);
        }
        FireEvent();
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var loop = $"stack:{Name}";
        var drift = reconciler.Stack.DriftInterval;
        _stopping = ct;
        // Not awaited: it ends with the token. Called, not Task.Run: the first tick's timer exists
        // once RunAsync yields, so a test's clock cannot move before it.
        _ = DriftTicksAsync(drift, ct);
        // Allowed silence: a drift tick plus a slow deploy (health waits) plus slack.
        var allowed = drift + reconciler.Stack.HealthTimeout + TimeSpan.FromMinutes(5);
        heartbeats.Beat(loop, allowed);
        while (!ct.IsCancellationRequested)
        {
            Trigger trigger;
            try { trigger = await _gate.WaitAsync(ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            var byEvent = Interlocked.Exchange(ref _eventWoken, 0) == 1;
            using var passSpan = Tracing.ReconcilerTelemetry.StartPass(Name, trigger); // Observability: one trace per pass
            StackPassResult result;
            try
            {
                result = await reconciler.ReconcileAsync(trigger, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A bug of ours must not end the loop: report it as a failed pass.
                Log.PassCrashed(logger, Name, e);
                result = new StackPassResult { Stack = Name, Outcome = PassOutcome.Failed, Error = e.Message, FailedPhase = "internal", Transient = true };
            }
            Tracing.ReconcilerTelemetry.EndPass(passSpan, result); // Observability
            if (result.Outcome == PassOutcome.Failed && result.Transient)
            {
                // Transient trouble (engine, registry, a container killed by hand): try again soon
                // rather than at the next drift tick, but backing off while it lasts.
                _failuresInARow++;
                ScheduleRetry(RetryDelay(_failuresInARow), ct);
            }
            else if (result.Outcome != PassOutcome.Failed)
            {
                _failuresInARow = 0;
            }
            if (byEvent) HoldEvents(result.Done.Count > 0 || result.Outcome == PassOutcome.Failed, drift);
            status.StackPassed(result, trigger);
            heartbeats.Beat(loop, allowed);
        }
    }

    private void HoldEvents(bool acted, TimeSpan drift)
    {
        _eventHold = !acted ? TimeSpan.Zero
            : _eventHold == TimeSpan.Zero ? FirstEventHold
            : TimeSpan.FromTicks(Math.Min(drift.Ticks, _eventHold.Ticks * 2));
        Volatile.Write(ref _eventNotBeforeTicks, (time.GetUtcNow() + _eventHold).UtcTicks);
    }

    private async Task DriftTicksAsync(TimeSpan drift, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(drift, time, ct).ConfigureAwait(false); } catch (OperationCanceledException) { return; }
            _gate.Fire(Trigger.Drift);
        }
    }

    /// <summary>The wait before retry number <paramref name="failures"/>: 10 s, doubling, at most 5 min.</summary>
    internal static TimeSpan RetryDelay(int failures) =>
        TimeSpan.FromSeconds(Math.Min(MaxRetryDelay.TotalSeconds, FirstRetryDelay.TotalSeconds * Math.Pow(2, Math.Clamp(failures - 1, 0, 10))));

    /// <summary>
    /// At most one retry waits at a time: every failed pass (drift ticks included) scheduling one
    /// more would pile them up and hammer a registry that is down faster and faster.
    /// </summary>
    private void ScheduleRetry(TimeSpan delay, CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _retryPending, 1) == 1) return;
        // Not awaited: it ends with the token or when it fires.
        _ = RetryAfterAsync(delay, ct);
    }

    private async Task RetryAfterAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, time, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        finally
        {
            Volatile.Write(ref _retryPending, 0);
        }
        _gate.Fire(Trigger.Drift);
    }

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Error, "stack={Stack} pass crashed")]
        public static partial void PassCrashed(ILogger logger, string stack, Exception exception);
    }
}
