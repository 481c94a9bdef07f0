using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reconciler.Core.Desired;
using Reconciler.Docker;

namespace Reconciler.Observability;

/// <summary>
/// Follows the engine's event stream for one stack's compose project and keeps the container
/// series current between reconcile passes: restarts (a restart policy restarting a crashed
/// container counts the moment it happens), OOM kills, states and the crash-loop signal.
/// On each (re)connect it first looks at every container of the project (list + inspect) to count
/// what happened while it was not watching, then follows events from just before that look; when
/// the engine goes away it reconnects with backoff. Counting is by <see cref="ContainerLedger"/>,
/// which makes looking twice harmless. Never ends but on shutdown.
/// </summary>
internal sealed partial class ContainerEventWatcher(
    string stack,
    string project,
    IDockerEventSource events,
    IObservedStateReader observer,
    IDockerContainerOperations containers,
    ReconcilerMetrics metrics,
    ContainerLedgerFile? file,
    Action<string, StackHealth>? healthChanged,
    TimeProvider time,
    ILogger logger) : BackgroundService
{
    /// <summary>Restarts within this window that make a crash loop…</summary>
    public static readonly TimeSpan CrashLoopWindow = TimeSpan.FromMinutes(5);
    /// <summary>…when there are at least this many.</summary>
    public const int CrashLoopRestarts = 3;

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly ContainerLedger _ledger = new(file?.Load());
    private readonly Lock _gate = new();
    private readonly HashSet<string> _services = new(StringComparer.Ordinal);
    private bool _collectHooked;

    public string Stack => stack;
    public string Project => project;

    /// <summary>The first wait before reconnecting; doubles up to 30 s.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(ct).ConfigureAwait(false);
                if (ct.IsCancellationRequested) return;
                failures = 0;
                Log.StreamEnded(logger, stack);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                Log.WatchFailed(logger, stack, failures, e.Message);
            }
            var delay = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, RetryDelay.Ticks << Math.Min(failures, 10)));
            try { await Task.Delay(delay, time, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One connection: look at every container, then follow events until the engine closes the stream.</summary>
    internal async Task RunOnceAsync(CancellationToken ct)
    {
        HookCollect();
        // Events from just before the look are replayed; the ledger makes seeing them again harmless.
        var since = time.GetUtcNow() - TimeSpan.FromSeconds(1);
        await CatchUpAsync(ct).ConfigureAwait(false);
        await foreach (var e in events.ContainerEventsAsync(project, since, ct).ConfigureAwait(false))
            await HandleAsync(e, ct).ConfigureAwait(false);
    }

    private async Task CatchUpAsync(CancellationToken ct)
    {
        var observed = await observer.ReadAsync(project, [], ct).ConfigureAwait(false);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var snapshots = new List<ContainerSnapshot>();
        foreach (var c in observed.Containers)
        {
            if (c.Label(ComposeLabels.Project) != project || c.Label(ComposeLabels.Oneoff) == "True") continue;
            if (c.Label(ComposeLabels.Service) is not { } service) continue;
            var state = await containers.InspectAsync(c.Id, ct).ConfigureAwait(false);
            if (state is null) continue;
            seen.Add(state.Id);
            snapshots.Add(ContainerSnapshot.From(state, service));
        }
        lock (_gate)
        {
            foreach (var id in _ledger.Ids.Where(id => !seen.Contains(id)).ToList()) _ledger.Forget(id);
            foreach (var service in _ledger.Totals.Keys) _services.Add(service);
            var now = time.GetUtcNow();
            foreach (var s in snapshots) _ledger.Observe(s, now);
            PublishLocked();
        }
        Save();
    }

    private async Task HandleAsync(ContainerEvent e, CancellationToken ct)
    {
        if (!e.Attributes.TryGetValue(ComposeLabels.Service, out var service)) return;
        if (e.Attributes.TryGetValue(ComposeLabels.Oneoff, out var oneoff) && oneoff == "True") return;
        var action = e.Action;
        if (action == "destroy")
        {
            lock (_gate)
            {
                _ledger.Forget(e.ContainerId);
                PublishLocked();
            }
            Save();
            return;
        }
        if (action == "oom") lock (_gate) _ledger.OomReported(e.ContainerId, e.Time);
        // Only what changes a container's run state is worth an inspect (not exec_*, attach, resize, …).
        if (action is not ("create" or "start" or "restart" or "die" or "stop" or "oom" or "pause" or "unpause")
            && !action.StartsWith("health_status", StringComparison.Ordinal)) return;
        var state = await containers.InspectAsync(e.ContainerId, ct).ConfigureAwait(false);
        lock (_gate)
        {
            if (state is null) _ledger.Forget(e.ContainerId);
            else _ledger.Observe(ContainerSnapshot.From(state, service), time.GetUtcNow());
            PublishLocked();
        }
        Save();
    }

    /// <summary>Counters to the ledger's totals, state gauges recounted, zero series kept for every service seen.</summary>
    private void PublishLocked()
    {
        foreach (var (service, totals) in _ledger.Totals)
        {
            _services.Add(service);
            metrics.ContainerRestarts.WithLabels(stack, service).IncTo(totals.Restarts);
            metrics.ContainerOomKills.WithLabels(stack, service).IncTo(totals.OomKills);
        }
        var states = _ledger.Containers.GroupBy(c => (c.Service, c.StateLabel)).ToDictionary(g => g.Key, g => g.Count());
        foreach (var service in _services)
        {
            foreach (var state in ReconcilerMetrics.ContainerStates)
                metrics.ContainerState.WithLabels(stack, service, state).Set(states.TryGetValue((service, state), out var n) ? n : 0);
        }
        PublishCrashLoopsLocked();
    }

    private void PublishCrashLoopsLocked()
    {
        var now = time.GetUtcNow();
        var health = StackHealth.Healthy;
        foreach (var service in _services)
        {
            var looping = _ledger.RestartsWithin(service, CrashLoopWindow, now) >= CrashLoopRestarts;
            metrics.ContainerCrashLoop.WithLabels(stack, service).Set(looping ? 1 : 0);
            if (looping) health = StackHealth.Degraded;
        }
        foreach (var c in _ledger.Containers)
        {
            var h = c switch
            {
                { Status: "restarting" } or { Health: "unhealthy" } => StackHealth.Degraded,
                { Status: "exited" or "dead", ExitCode: not 0 } => StackHealth.Degraded,
                { Status: "created" } or { Health: "starting" } => StackHealth.Progressing,
                _ => StackHealth.Healthy,
            };
            health = StackHealthExtensions.Worst(health, h);
        }
        healthChanged?.Invoke(stack, health);
    }

    /// <summary>The crash-loop signal decays with time, not with events: recomputed before every scrape.</summary>
    private void HookCollect()
    {
        if (_collectHooked) return;
        _collectHooked = true;
        metrics.Registry.AddBeforeCollectCallback(() =>
        {
            lock (_gate) PublishCrashLoopsLocked();
        });
    }

    private void Save()
    {
        if (file is null) return;
        try
        {
            ContainerLedgerFile.Contents contents;
            lock (_gate) contents = _ledger.ToContents();
            file.Save(contents);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.SaveFailed(logger, stack, file.Path, e.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(61, LogLevel.Warning, "stack={Stack} container events: {Error} ({Failures} in a row), reconnecting")]
        public static partial void WatchFailed(ILogger logger, string stack, int failures, string error);

        [LoggerMessage(62, LogLevel.Information, "stack={Stack} container event stream closed by the engine, reconnecting")]
        public static partial void StreamEnded(ILogger logger, string stack);

        [LoggerMessage(63, LogLevel.Warning, "stack={Stack} cannot save container restart marks to {Path}: {Error}")]
        public static partial void SaveFailed(ILogger logger, string stack, string path, string error);
    }
}
