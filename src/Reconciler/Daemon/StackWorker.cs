using Microsoft.Extensions.Logging;

namespace Reconciler.Daemon;

/// <summary>
/// The loop of one stack: one pass at a time, triggers coalesced, a drift tick every
/// drift_interval. Isolated: a failing stack never slows or stops another.
/// </summary>
public sealed partial class StackWorker(StackReconciler reconciler, DaemonStatus status, Heartbeats heartbeats, ILogger logger)
{
    private readonly TriggerGate _gate = new();

    public string Name => reconciler.Stack.Name;
    public StackReconciler Reconciler => reconciler;

    public void Fire(Trigger trigger) => _gate.Fire(trigger);

    public async Task RunAsync(CancellationToken ct)
    {
        var loop = $"stack:{Name}";
        var drift = reconciler.Stack.DriftInterval;
        // Not disposed: it ends with the token, and disposing a running task throws.
        _ = Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested)
            {
                try { await Task.Delay(drift, ct).ConfigureAwait(false); } catch (OperationCanceledException) { return; }
                _gate.Fire(Trigger.Drift);
            }
        }, ct);
        // Allowed silence: a drift tick plus a slow deploy (health waits) plus slack.
        var allowed = drift + reconciler.Stack.HealthTimeout + TimeSpan.FromMinutes(5);
        heartbeats.Beat(loop, allowed);
        while (!ct.IsCancellationRequested)
        {
            Trigger trigger;
            try { trigger = await _gate.WaitAsync(ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            using var passSpan = Observability.ReconcilerTelemetry.StartPass(Name, trigger); // Observability: one trace per pass
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
                result = new StackPassResult { Stack = Name, Outcome = PassOutcome.Failed, Error = e.Message, FailedPhase = "internal" };
            }
            Observability.ReconcilerTelemetry.EndPass(passSpan, result); // Observability
            status.StackPassed(result, trigger);
            heartbeats.Beat(loop, allowed);
            if (result.Outcome == PassOutcome.Failed && result.FailedPhase is "apply" or "plan" or "internal")
            {
                // Transient trouble (engine, registry): try again soon rather than at the next drift tick.
                _ = RetryLaterAsync(ct);
            }
        }
    }

    private async Task RetryLaterAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
            _gate.Fire(Trigger.Drift);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Error, "stack={Stack} pass crashed")]
        public static partial void PassCrashed(ILogger logger, string stack, Exception exception);
    }
}
