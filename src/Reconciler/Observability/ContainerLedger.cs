namespace Reconciler.Observability;

/// <summary>
/// Counts restarts and OOM kills of one project's containers exactly once, from snapshots
/// (inspects) rather than from events. Events only say when to look; what is counted is the
/// difference between a container's snapshot and the mark left by the last one, so a replayed,
/// duplicated or missed event changes nothing, and neither does looking twice:
/// <list type="bullet">
/// <item>same <c>StartedAt</c> as the mark: no restart since;</item>
/// <item>a new <c>StartedAt</c> and a higher <c>RestartCount</c>: that many restart-policy restarts;</item>
/// <item>a new <c>StartedAt</c> and the same or a lower <c>RestartCount</c>: a manual start (docker start,
/// docker restart or a self-heal start) reset the engine's count; that start plus the count since.</item>
/// </list>
/// The engine raises <c>RestartCount</c> when a container dies and its policy decides to restart it
/// (state "restarting"), before the new start; a mark pairs a start time with the count that start
/// carries, so a "restarting" snapshot counts one less. Marks move only when a new start is seen.
/// The marks (and the per-service totals) are persisted, so after a daemon restart the first look
/// counts only what happened while nobody watched, and the counters carry on from where they were.
/// Not thread-safe: one watcher owns it.
/// </summary>
internal sealed class ContainerLedger
{
    private readonly Dictionary<string, Entry> _containers = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, ServiceTotals> _totals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<DateTimeOffset>> _recentRestarts = new(StringComparer.Ordinal);

    public ContainerLedger(ContainerLedgerFile.Contents? saved = null)
    {
        if (saved is null) return;
        foreach (var m in saved.Containers) _containers[m.Id] = new Entry(m, null);
        foreach (var (service, t) in saved.Services) _totals[service] = t;
    }

    /// <summary>How far back <see cref="RestartsWithin"/> remembers restarts.</summary>
    public static TimeSpan RecentWindow { get; } = TimeSpan.FromMinutes(15);

    /// <summary>Every service with a total, including those restored from the saved file.</summary>
    public IReadOnlyDictionary<string, ServiceTotals> Totals => _totals;

    /// <summary>The latest snapshot of every container looked at since start-up.</summary>
    public IEnumerable<ContainerSnapshot> Containers => _containers.Values.Where(e => e.Last is not null).Select(e => e.Last!);

    public IEnumerable<string> Ids => _containers.Keys;

    /// <summary>Accounts one snapshot; returns what it added to the service's totals.</summary>
    public (int Restarts, int OomKills) Observe(ContainerSnapshot s, DateTimeOffset now)
    {
        var restarts = 0;
        var ooms = 0;
        var firstSight = false;
        // The count that goes with StartedAt: a pending restart is not a start yet.
        var count = Math.Max(0, s.Status == "restarting" ? s.RestartCount - 1 : s.RestartCount);
        if (!_containers.TryGetValue(s.Id, out var entry))
        {
            // Never seen: its restart-policy restarts were never counted by anyone.
            restarts = (int)count;
            firstSight = true;
            if (s.OomKilled && s.FinishedAt is not null) ooms = 1;
            entry = new Entry(new ContainerMark(s.Id, s.Service, count, s.StartedAt, s.OomKilled ? s.FinishedAt : null), s);
            _containers[s.Id] = entry;
        }
        else
        {
            var mark = entry.Mark;
            var started = s.StartedAt is { } at && at != mark.StartedAt;
            if (started)
            {
                // A first start (mark taken before the container ever ran) is not a restart.
                if (mark.StartedAt is null) restarts = (int)Math.Max(0, count - mark.RestartCount);
                else restarts = count > mark.RestartCount ? (int)(count - mark.RestartCount) : (int)count + 1;
            }
            var lastOom = mark.LastOomAt;
            if (s.OomKilled && s.FinishedAt is { } finished && (lastOom is null || finished > lastOom))
            {
                ooms = 1;
                lastOom = finished;
                entry.PendingOom = null;
            }
            else if (entry.PendingOom is { } pending && s.StartedAt > pending)
            {
                // The engine reported the OOM, and the container restarted before we could see its OOMKilled flag.
                ooms = 1;
                lastOom = pending;
                entry.PendingOom = null;
            }
            entry.Mark = mark with
            {
                Service = s.Service,
                RestartCount = started ? count : mark.RestartCount,
                StartedAt = started ? s.StartedAt : mark.StartedAt,
                LastOomAt = lastOom,
            };
            entry.Last = s;
        }
        Add(s.Service, restarts, ooms);
        if (restarts > 0)
        {
            var recent = Recent(s.Service);
            // The restarts happened at the latest by this start; old ones fall out of the window. Of a
            // container's whole history (first sight) only the last start has a known time.
            for (var i = 0; i < (firstSight ? 1 : Math.Min(restarts, 16)); i++) recent.Add(s.StartedAt ?? now);
            recent.RemoveAll(t => now - t > RecentWindow);
        }
        return (restarts, ooms);
    }

    /// <summary>
    /// The engine reported an OOM kill at <paramref name="at"/>. Counted when a later snapshot shows the
    /// kill (OOMKilled, or a restart since), so the event and the snapshot never count it twice.
    /// </summary>
    public void OomReported(string id, DateTimeOffset at)
    {
        if (_containers.TryGetValue(id, out var entry) && (entry.Mark.LastOomAt is null || at > entry.Mark.LastOomAt))
            entry.PendingOom = at;
    }

    public void Forget(string id) => _containers.Remove(id);

    /// <summary>Restarts of the service counted within <paramref name="window"/> before <paramref name="now"/>.</summary>
    public int RestartsWithin(string service, TimeSpan window, DateTimeOffset now) =>
        _recentRestarts.TryGetValue(service, out var recent) ? recent.Count(t => now - t <= window) : 0;

    /// <summary>What to persist: marks of the containers that still exist, totals of services that still have one.</summary>
    public ContainerLedgerFile.Contents ToContents()
    {
        var services = _containers.Values.Select(e => e.Mark.Service).ToHashSet(StringComparer.Ordinal);
        return new ContainerLedgerFile.Contents
        {
            Containers = [.. _containers.Values.Select(e => e.Mark).OrderBy(m => m.Id, StringComparer.Ordinal)],
            Services = _totals.Where(t => services.Contains(t.Key)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
        };
    }

    private void Add(string service, int restarts, int ooms)
    {
        var t = _totals.TryGetValue(service, out var old) ? old : new ServiceTotals(0, 0);
        _totals[service] = new ServiceTotals(t.Restarts + restarts, t.OomKills + ooms);
    }

    private List<DateTimeOffset> Recent(string service)
    {
        if (!_recentRestarts.TryGetValue(service, out var list)) _recentRestarts[service] = list = [];
        return list;
    }

    private sealed class Entry(ContainerMark mark, ContainerSnapshot? last)
    {
        public ContainerMark Mark { get; set; } = mark;
        public ContainerSnapshot? Last { get; set; } = last;
        public DateTimeOffset? PendingOom { get; set; }
    }
}

/// <summary>What was accounted of one container: its restart count and start time at the last look, and its last OOM kill.</summary>
internal sealed record ContainerMark(string Id, string Service, long RestartCount, DateTimeOffset? StartedAt, DateTimeOffset? LastOomAt);

/// <summary>Restarts and OOM kills counted so far for one service: the values of its two counters.</summary>
internal sealed record ServiceTotals(long Restarts, long OomKills);
