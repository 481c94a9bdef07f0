using System.Collections.Concurrent;

namespace Reconciler.Daemon;

/// <summary>
/// Progress marks of the daemon's loops. The systemd watchdog is fed only while every loop has
/// beaten within its allowed window, so a loop stuck forever (the silent polling stop other tools
/// suffer from) makes systemd restart the daemon.
/// </summary>
public sealed class Heartbeats(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, TimeSpan Allowed)> _beats = new();

    public void Beat(string loop, TimeSpan allowed) => _beats[loop] = (time.GetUtcNow(), allowed);

    public void Remove(string loop) => _beats.TryRemove(loop, out _);

    /// <summary>The loops that have not beaten within their window; empty when all is well.</summary>
    public IReadOnlyList<string> Stalled()
    {
        var now = time.GetUtcNow();
        return _beats.Where(b => now - b.Value.At > b.Value.Allowed).Select(b => b.Key).Order(StringComparer.Ordinal).ToList();
    }
}
