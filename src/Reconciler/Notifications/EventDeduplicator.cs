namespace Reconciler.Notifications;

/// <summary>
/// Lets an event through once per <see cref="Window"/>: a drift tick, a retry or a restart that meets
/// the same failure again does not page anyone twice. Keyed by <see cref="NotificationEvent.DedupKey"/>.
/// </summary>
public sealed class EventDeduplicator(TimeSpan window, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _sent = new(StringComparer.Ordinal);

    public TimeSpan Window => window;

    /// <summary>True (and remembered) when the event was not let through within the window.</summary>
    public bool FirstWithinWindow(NotificationEvent e)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            // Forget what is past the window, so the memory stays as small as the window's traffic.
            foreach (var stale in _sent.Where(kv => now - kv.Value >= window).Select(kv => kv.Key).ToList()) _sent.Remove(stale);
            if (_sent.ContainsKey(e.DedupKey)) return false;
            _sent[e.DedupKey] = now;
            return true;
        }
    }
}
