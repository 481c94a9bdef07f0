using Reconciler.Core.Policy;
namespace Reconciler.Daemon;


/// <summary>
/// Coalesces triggers for one stack: however many arrive while a pass runs (a poll, a webhook and
/// a drift tick together), the loop runs exactly one more pass after it, with the most urgent reason.
/// </summary>
public sealed class TriggerGate
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly Lock _gate = new();
    private Trigger? _pending;

    public void Fire(Trigger trigger)
    {
        lock (_gate)
        {
            // A new commit outranks a drift tick: the pass will report it as the commit's deploy.
            if (_pending is null || Rank(trigger) > Rank(_pending.Value)) _pending = trigger;
            if (_signal.CurrentCount == 0) _signal.Release();
        }
    }

    public async Task<Trigger> WaitAsync(CancellationToken ct)
    {
        while (true)
        {
            await _signal.WaitAsync(ct).ConfigureAwait(false);
            lock (_gate)
            {
                if (_pending is { } t)
                {
                    _pending = null;
                    return t;
                }
            }
        }
    }

    private static int Rank(Trigger t) => t switch
    {
        Trigger.Drift => 0,
        Trigger.Poll => 1,
        Trigger.Startup => 2,
        Trigger.Webhook => 3,
        _ => 4,
    };
}
