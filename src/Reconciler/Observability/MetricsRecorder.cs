using Reconciler.Core.Policy;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Daemon;

namespace Reconciler.Observability;

/// <summary>
/// Turns what each pass and fetch returned (<see cref="DaemonStatus"/>'s events) into the stack
/// and git series of <see cref="ReconcilerMetrics"/>; container series come from
/// <see cref="ContainerEventWatcher"/>. Never recomputes anything a pass decided, and never throws
/// into the loop that raised the event.
/// </summary>
internal sealed partial class MetricsRecorder : IHostedService, IDisposable
{
    private readonly DaemonConfig _config;
    private readonly DaemonStatus _status;
    private readonly ReconcilerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StackSeries> _stacks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _heads = new(StringComparer.Ordinal);
    private bool _attached;

    private readonly ActiveStacks _active;

    public MetricsRecorder(DaemonConfig config, DaemonStatus status, ReconcilerMetrics metrics, TimeProvider time, ILogger<MetricsRecorder> logger,
        ActiveStacks? active = null)
    {
        _config = config;
        _status = status;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _active = active ?? new ActiveStacks(config);
        metrics.HostInfo.WithLabels(config.HostId, ReconcilerMetrics.Version).Set(1);
        if (config.Fleet is not null)
        {
            // Unknown until the first check; 1 from the start would hide a host that never got a good file.
            metrics.HostFileOk.Set(0);
        }
        // At zero on every host (none refused is true without fleet too), so the dashboard's panel
        // and increase() have a series from the start.
        foreach (var reason in new[] { "invalid", "empty" }) metrics.HostFileRefusals.WithLabels(reason);
        foreach (var stack in _active.Current) ZeroSeries(stack.Name);
        foreach (var repo in config.Repos)
        {
            foreach (var result in new[] { "fetched", "unchanged", "failed" }) metrics.GitFetches.WithLabels(repo.Name, result);
            // Present at zero from the start for verified repos, so increase() sees the first refusal.
            if (repo.Verify is not null)
                foreach (var reason in new[] { "unsigned", "bad_signature", "untrusted_key" }) metrics.GitVerificationFailures.WithLabels(repo.Name, reason);
        }
        // Present at zero from the start for every configured provider, so increase() sees the first failure.
        foreach (var provider in config.Notifications.Providers.Select(p => p.Name).Concat(config.Repos.Where(r => r.Forge is not null).Select(r => "forge:" + r.Name)))
            foreach (var result in ReconcilerMetrics.NotificationResults) metrics.Notifications.WithLabels(provider, result);
        metrics.Registry.AddBeforeCollectCallback(RefreshRepos);
    }

    /// <summary>Series that exist from the start, at 0, so rate() and increase() see the first event.</summary>
    private void ZeroSeries(string stack)
    {
        _metrics.StackInSync.WithLabels(stack).Set(0);
        foreach (var result in ReconcilerMetrics.Results)
        {
            _metrics.Reconciles.WithLabels(stack, result);
            _metrics.ReconcileDuration.WithLabels(stack, result);
        }
        foreach (var phase in ReconcilerMetrics.Phases) _metrics.StackErrors.WithLabels(stack, phase);
        _metrics.StackImageBytes.WithLabels(stack);
        _metrics.StackHeld.WithLabels(stack).Set(0);
        _metrics.Rollbacks.WithLabels(stack);
    }

    /// <summary>A stack came (from the host file): its series start at 0 before its first pass ends.</summary>
    private void OnStackAdded(StackConfig stack)
    {
        lock (_gate)
        {
            // A restart on a changed definition: the series of the old one go first (another repo, another project).
            ForgetLocked(stack.Name);
            ZeroSeries(stack.Name);
        }
    }

    /// <summary>
    /// The stack left this host (its loop has ended): its series go. The container series are its
    /// watcher's, which <see cref="ContainerWatchers"/> stops before calling this.
    /// </summary>
    public void Forget(string stack)
    {
        lock (_gate) ForgetLocked(stack);
    }

    private void ForgetLocked(string stack)
    {
        _stacks.Remove(stack);
        _metrics.ForgetStack(stack);
    }

    private void OnHostFileChecked(string outcome)
    {
        _metrics.HostFileOk.Set(outcome == "used" ? 1 : 0);
        if (outcome != "used") _metrics.HostFileRefusals.WithLabels(outcome).Inc();
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Attach();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Detach();
        return Task.CompletedTask;
    }

    public void Dispose() => Detach();

    public void Attach()
    {
        lock (_gate)
        {
            if (_attached) return;
            _status.PassCompleted += OnPassCompleted;
            _status.FetchCounted += OnFetchCounted;
            _status.NotificationCounted += OnNotificationCounted;
            _status.ImagesCollected += OnImagesCollected;
            _status.VerificationFailed += OnVerificationFailed;
            _status.HostFileChecked += OnHostFileChecked;
            _active.Added += OnStackAdded;
            _attached = true;
        }
    }

    private void Detach()
    {
        lock (_gate)
        {
            if (!_attached) return;
            _status.PassCompleted -= OnPassCompleted;
            _status.FetchCounted -= OnFetchCounted;
            _status.NotificationCounted -= OnNotificationCounted;
            _status.ImagesCollected -= OnImagesCollected;
            _status.VerificationFailed -= OnVerificationFailed;
            _status.HostFileChecked -= OnHostFileChecked;
            _active.Added -= OnStackAdded;
            _attached = false;
        }
    }

    /// <summary>What the stack's containers do now, from <see cref="ContainerEventWatcher"/>; folded into stack_info's health_status.</summary>
    public void ContainersChanged(string stack, StackHealth health)
    {
        lock (_gate)
        {
            var series = SeriesOf(stack);
            if (series.ContainerHealth == health) return;
            series.ContainerHealth = health;
            PublishInfo(stack, series);
        }
    }

    private void OnImagesCollected(ImageGcReport report)
    {
        _metrics.ImageGcRemoved.Inc(report.Removed.Count);
        _metrics.ImageGcReclaimed.Inc(report.ReclaimedBytes);
    }

    private void OnPassCompleted(StackPassResult result, Trigger trigger)
    {
        try
        {
            lock (_gate) Record(result);
        }
        catch (Exception e)
        {
            // Metrics must never take a stack's loop down.
            Log.RecordFailed(_logger, result.Stack, e);
        }
    }

    private void Record(StackPassResult r)
    {
        var series = SeriesOf(r.Stack);
        if (r.Outcome == PassOutcome.Waiting)
        {
            // No commit yet: nothing was reconciled, so nothing is counted.
            series.PassHealth = StackHealth.Progressing;
            PublishInfo(r.Stack, series);
            return;
        }

        var result = r.Outcome switch
        {
            PassOutcome.Applied => "applied",
            PassOutcome.Failed => "failed",
            _ => "noop",
        };
        _metrics.Reconciles.WithLabels(r.Stack, result).Inc();
        _metrics.ReconcileDuration.WithLabels(r.Stack, result).Observe(r.Duration.TotalSeconds);
        // A failure is counted once, by the pass that met it; passes that hold the last good commit
        // meanwhile show it (sync_status="failed", stack_held) without counting it again.
        if (r.Outcome == PassOutcome.Failed && !r.Repeated) _metrics.StackErrors.WithLabels(r.Stack, r.FailedPhase ?? "internal").Inc();
        if (r.RolledBack) _metrics.Rollbacks.WithLabels(r.Stack).Inc();
        _metrics.StackHeld.WithLabels(r.Stack).Set(r.Held || r.RolledBack ? 1 : 0);
        foreach (var (service, action) in r.Done) _metrics.Actions.WithLabels(r.Stack, service, action).Inc();

        var inSync = r.Outcome is PassOutcome.Noop or PassOutcome.Applied || (r.Outcome == PassOutcome.Suspended && r.Drift.Count == 0);
        _metrics.StackInSync.WithLabels(r.Stack).Set(inSync ? 1 : 0);
        if (inSync) _metrics.StackLastSuccess.WithLabels(r.Stack).Set(_time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);

        // A pass that failed before planning knows nothing about drift: keep what the last check said.
        var driftKnown = r.Outcome != PassOutcome.Failed || r.Drift.Count > 0;
        if (driftKnown)
        {
            // An applied pass converged what it found.
            var drift = r.Outcome == PassOutcome.Applied ? [] : r.Drift;
            Refresh(_metrics.StackDrift, r.Stack, series.DriftSeries,
                drift.GroupBy(d => (d.Service, d.Reason)).Select(g => (g.Key.Service, g.Key.Reason, g.Count())));
            Refresh(_metrics.StackDriftFields, r.Stack, series.FieldSeries,
                drift.SelectMany(d => d.Fields.Distinct().Select(f => (d.Service, Field: f)))
                    .GroupBy(x => x).Select(g => (g.Key.Service, g.Key.Field, g.Count())));
            series.Degrading = drift.Any(d => d.Reason is "missing" or "stopped");
        }

        if (r.Replicas is { } replicas)
            Refresh(_metrics.ServiceReplicas, r.Stack, series.ReplicaSeries,
                replicas.SelectMany(s => new[] { (s.Service, "desired", (int)s.Desired), (s.Service, "running", (int)s.Running) }));
        if (r.SwarmTasks is { } tasks) CountTaskRestarts(r.Stack, series, tasks);

        // Like drift: a pass that did not load a commit knows nothing new about it.
        if (r.Findings is { } findings)
            Refresh(_metrics.PolicyFindings, r.Stack, series.FindingSeries,
                findings.GroupBy(f => (f.Service, f.Rule)).Select(g => (g.Key.Service, g.Key.Rule, g.Count())));

        series.Commit = r.Commit ?? series.Commit;
        series.Sync = r.Outcome switch
        {
            PassOutcome.Noop or PassOutcome.Applied => "synced",
            PassOutcome.Suspended => "suspended",
            PassOutcome.Failed => "failed",
            _ => "out_of_sync",
        };
        series.PassHealth = r.Outcome == PassOutcome.Failed && r.FailedPhase is "apply" or "health" || series.Degrading
            ? StackHealth.Degraded
            : StackHealth.Healthy;
        PublishInfo(r.Stack, series);
    }

    /// <summary>
    /// Task restarts of a Swarm stack's services, from the tasks the pass saw: each restarted task
    /// counted once (<see cref="Core.Swarm.SwarmRestartTally"/>), the tally kept in the state directory
    /// so a daemon restart neither resets the counters nor counts the engine's task history again.
    /// </summary>
    private void CountTaskRestarts(string stack, StackSeries series, IReadOnlyList<Core.Swarm.SwarmServiceTasks> services)
    {
        var file = SwarmTallyFile.For(_config.StateDir, _active.Find(stack)?.ProjectName ?? stack);
        if (series.Tally is null)
        {
            series.Tally = file.Load() ?? Core.Swarm.SwarmRestartTally.Empty;
            foreach (var (service, total) in series.Tally.Totals) _metrics.ServiceTaskRestarts.WithLabels(stack, service).IncTo(total);
        }
        var (next, added) = series.Tally.Observe(services);
        // Present at 0 from a service's first sight, so increase() sees its first restart.
        foreach (var s in services) _metrics.ServiceTaskRestarts.WithLabels(stack, s.Service);
        foreach (var (service, n) in added) _metrics.ServiceTaskRestarts.WithLabels(stack, service).Inc(n);
        var changed = !next.SameAs(series.Tally);
        series.Tally = next;
        if (!changed) return;
        try
        {
            file.Save(next);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The counters stay right while the daemon runs; only a restart would count some tasks again.
            Log.TallyNotSaved(_logger, stack, file.Path, e.Message);
        }
    }

    /// <summary>
    /// Sets the gauge for every label pair seen now, and 0 for every pair seen before but not now:
    /// a cleared drift falls to 0 on the graph instead of vanishing.
    /// </summary>
    private static void Refresh(Prometheus.Gauge gauge, string stack, HashSet<(string, string)> seen, IEnumerable<(string Service, string Key, int Count)> now)
    {
        var current = now.ToDictionary(x => (x.Service, x.Key), x => x.Count);
        seen.UnionWith(current.Keys);
        foreach (var (service, key) in seen)
            gauge.WithLabels(stack, service, key).Set(current.TryGetValue((service, key), out var n) ? n : 0);
    }

    /// <summary>Keeps exactly one stack_info series per stack: the old label set goes when commit or status change.</summary>
    private void PublishInfo(string stack, StackSeries series)
    {
        if (series.Commit is null && series.Sync is null) return;
        var cfg = _active.Find(stack);
        var repo = cfg?.Repo ?? "";
        var branch = _config.Repos.FirstOrDefault(r => r.Name == repo)?.Branch ?? "";
        string[] labels =
        [
            stack, repo, branch, series.Commit ?? "", series.Sync ?? "out_of_sync",
            StackHealthExtensions.Worst(series.PassHealth, series.ContainerHealth).Label(),
        ];
        if (series.InfoLabels is { } old && old.AsSpan().SequenceEqual(labels)) return;
        if (series.InfoLabels is { } previous) _metrics.StackInfo.RemoveLabelled(previous);
        _metrics.StackInfo.WithLabels(labels).Set(1);
        series.InfoLabels = labels;
    }

    private void OnVerificationFailed(string repo, string reason)
    {
        try
        {
            _metrics.GitVerificationFailures.WithLabels(repo, reason).Inc();
        }
        catch (Exception e)
        {
            Log.RecordFailed(_logger, repo, e);
        }
    }

    private void OnNotificationCounted(string provider, string result)
    {
        try
        {
            _metrics.Notifications.WithLabels(provider, result).Inc();
        }
        catch (Exception e)
        {
            Log.RecordFailed(_logger, provider, e);
        }
    }

    private void OnFetchCounted(string repo, string result)
    {
        try
        {
            _metrics.GitFetches.WithLabels(repo, result).Inc();
            if (result == "failed")
                foreach (var stack in _active.Current.Where(s => s.Repo == repo)) _metrics.StackErrors.WithLabels(stack.Name, "fetch").Inc();
        }
        catch (Exception e)
        {
            Log.RecordFailed(_logger, repo, e);
        }
    }

    /// <summary>Before each scrape: last fetch time and head of every repo, read from <see cref="DaemonStatus"/>.</summary>
    private void RefreshRepos()
    {
        foreach (var repo in _status.Repos)
        {
            if (repo.LastFetch is { } at)
                _metrics.GitLastFetch.WithLabels(repo.Name).Set(at.ToUnixTimeMilliseconds() / 1000.0);
            if (repo.Head is not { } head) continue;
            var branch = _config.Repos.FirstOrDefault(r => r.Name == repo.Name)?.Branch ?? "";
            string[] labels = [repo.Name, branch, head];
            lock (_heads)
            {
                if (_heads.TryGetValue(repo.Name, out var old) && old.AsSpan().SequenceEqual(labels)) continue;
                if (old is not null) _metrics.GitHeadInfo.RemoveLabelled(old);
                _metrics.GitHeadInfo.WithLabels(labels).Set(1);
                _heads[repo.Name] = labels;
            }
        }
    }

    private StackSeries SeriesOf(string stack)
    {
        if (!_stacks.TryGetValue(stack, out var series)) _stacks[stack] = series = new StackSeries();
        return series;
    }

    /// <summary>What the recorder remembers per stack to keep zero series and replace the info series.</summary>
    private sealed class StackSeries
    {
        public HashSet<(string, string)> DriftSeries { get; } = [];
        public HashSet<(string, string)> FieldSeries { get; } = [];
        public HashSet<(string, string)> FindingSeries { get; } = [];
        public HashSet<(string, string)> ReplicaSeries { get; } = [];
        public string? Commit { get; set; }
        public string? Sync { get; set; }
        public bool Degrading { get; set; }
        public StackHealth PassHealth { get; set; } = StackHealth.Progressing;
        public StackHealth ContainerHealth { get; set; } = StackHealth.Healthy;
        public string[]? InfoLabels { get; set; }
        /// <summary>A Swarm stack's restarted tasks counted so far; loaded from its file at the first pass that saw tasks.</summary>
        public Core.Swarm.SwarmRestartTally? Tally { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(60, LogLevel.Error, "metrics: recording {Subject} failed")]
        public static partial void RecordFailed(ILogger logger, string subject, Exception exception);

        [LoggerMessage(102, LogLevel.Warning, "metrics: stack={Stack} task restarts not saved to {Path}: {Reason}")]
        public static partial void TallyNotSaved(ILogger logger, string stack, string path, string reason);
    }
}
