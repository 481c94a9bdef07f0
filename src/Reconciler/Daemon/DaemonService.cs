using Reconciler.Core.Policy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Core.Desired;
using Reconciler.Docker;
using Reconciler.Docker.Cache;
using Reconciler.Git;
using Reconciler.State;

namespace Reconciler.Daemon;

/// <summary>
/// Wires and runs the loops: one watcher per repo, one worker per stack, a Docker ping, and the
/// systemd watchdog, which is fed only while every loop makes progress. Stops cleanly on SIGTERM:
/// a pass in flight is cancelled between engine calls, which leaves a state the next start repairs.
/// </summary>
public sealed partial class DaemonService(
    DaemonConfig config,
    IStateStore store,
    DockerEngine engine,
    DaemonStatus status,
    Heartbeats heartbeats,
    ISystemdNotifier notifier,
    TimeProvider time,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger("Reconciler.Daemon");
    private readonly Dictionary<string, RepoWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StackWorker> _workers = new(StringComparer.Ordinal);

    private readonly TaskCompletionSource<IReadOnlyDictionary<string, GitRepositoryMirror>> _mirrors = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyDictionary<string, RepoWatcher> Watchers => _watchers;
    public IReadOnlyDictionary<string, StackWorker> Workers => _workers;

    /// <summary>The repos' mirrors once created (plan previews fetch request heads into them, serialised with the branch's fetches).</summary>
    public Task<IReadOnlyDictionary<string, GitRepositoryMirror>> Mirrors => _mirrors.Task;

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var mirrors = new Dictionary<string, GitRepositoryMirror>(StringComparer.Ordinal);
        var gates = new Dictionary<string, HeadVerification>(StringComparer.Ordinal);
        foreach (var repo in config.Repos)
        {
            var mirror = mirrors[repo.Name] = new GitRepositoryMirror(SecretSources.RemoteFor(repo), config.StateDir);
            status.ExpectRepo(repo.Name);
            var gate = repo.Verify is null ? null : gates[repo.Name] = new HeadVerification(repo, mirror, status, loggers.CreateLogger("Reconciler.Git"));
            _watchers[repo.Name] = new RepoWatcher(repo, mirror, store, status, heartbeats, time, loggers.CreateLogger("Reconciler.Git"), gate);
        }
        foreach (var stack in config.Stacks)
        {
            var watcher = _watchers[stack.Repo];
            var reconciler = new StackReconciler(stack, config.PruneStacks, mirrors[stack.Repo], engine, store, config.StateDir, time,
                loggers.CreateLogger("Reconciler.Stack"), gates.GetValueOrDefault(stack.Repo));
            reconciler.DeployStarting += status.DeployStarting;
            var worker = new StackWorker(reconciler, status, heartbeats, time, loggers.CreateLogger("Reconciler.Stack"));
            _workers[stack.Name] = worker;
            watcher.OnNewCommit(worker.Fire);
        }
        _mirrors.TrySetResult(mirrors);
        // Image GC after every deploy that applied something: the images it replaced may be garbage now.
        var collector = config.ImageGc.Enabled
            ? new ImageCollector(config, engine.Host, store, time, loggers.CreateLogger("Reconciler.ImageGc"))
            : null;
        if (collector is not null)
        {
            status.PassCompleted += (result, _) => { if (result.Outcome == PassOutcome.Applied) collector.Request(); };
            collector.Collected += status.ImagesCollectedBy;
        }
        StaleStackFiles.Remove(config.StateDir, config.Stacks.Select(s => s.Name), _logger);
        status.ConfigLoaded = true;
        Log.Started(_logger, config.Repos.Length, config.Stacks.Length, config.Path);

        var loops = new List<Task>();
        loops.AddRange(_watchers.Values.Select(w => Task.Run(() => w.RunAsync(ct), ct)));
        loops.AddRange(_workers.Values.Select(w => Task.Run(() => w.RunAsync(ct), ct)));
        if (collector is not null) loops.Add(Task.Run(() => collector.RunAsync(ct), ct));
        if (engine.Cache is { } cache) loops.Add(Task.Run(() => FollowEngineAsync(cache, ct), ct));
        loops.Add(Task.Run(() => PingDockerAsync(ct), ct));
        loops.Add(Task.Run(() => FeedWatchdogAsync(ct), ct));
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        Log.Stopped(_logger);
    }

    /// <summary>Trigger a stack now (CLI resume, tests).</summary>
    public bool Fire(string stack, Trigger trigger)
    {
        if (!_workers.TryGetValue(stack, out var w)) return false;
        w.Fire(trigger);
        return true;
    }

    /// <summary>
    /// Feeds the engine cache and lets its events drive work: an event on a managed container wakes
    /// that stack's worker (<see cref="StackWorker.FireEvent"/>); a resync after a reconnect, or one
    /// that found the cache wrong, wakes every stack, since any of them may have drifted unseen.
    /// </summary>
    private async Task FollowEngineAsync(EngineCache cache, CancellationToken ct)
    {
        var byProject = _workers.Values.GroupBy(w => w.Reconciler.Stack.ProjectName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        void OnContainer(ContainerEvent e)
        {
            if (!WakesStack(e.Action) || !e.Attributes.TryGetValue(ComposeLabels.Project, out var project)) return;
            if (!byProject.TryGetValue(project, out var workers)) return;
            foreach (var w in workers) w.FireEvent();
        }
        // Logged once per outage, not once per reconnect attempt.
        var lost = 0;
        status.EngineCacheError = "the engine cache has not listed the engine yet";
        void OnResync(string reason, IReadOnlyList<string> differences)
        {
            Volatile.Write(ref lost, 0);
            status.EngineCacheError = null;
            Log.CacheResynced(_logger, reason, differences.Count);
            foreach (var line in differences.Take(20)) Log.CacheMismatch(_logger, reason, line);
            if (reason == ResyncReason.Reconnect || differences.Count > 0)
                foreach (var w in _workers.Values) w.FireEvent();
        }
        void OnLost(string why)
        {
            status.EngineCacheError = $"the engine's event stream is down ({why}); passes read the engine directly meanwhile";
            if (Interlocked.Exchange(ref lost, 1) == 0) Log.CacheStreamLost(_logger, why);
        }
        cache.ContainerChanged += OnContainer;
        cache.Resynced += OnResync;
        cache.StreamLost += OnLost;
        try
        {
            await cache.RunAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            cache.ContainerChanged -= OnContainer;
            cache.Resynced -= OnResync;
            cache.StreamLost -= OnLost;
        }
    }

    /// <summary>What an engine event says about a container that may need a pass: it stopped, went, was renamed or replaced, or is unhealthy.</summary>
    internal static bool WakesStack(string action) =>
        action is "create" or "die" or "stop" or "destroy" or "rename" or "oom" or "pause" or "health_status: unhealthy";

    private async Task PingDockerAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await engine.PingAsync(ct).ConfigureAwait(false);
                if (status.DockerReachable != true) Log.DockerUp(_logger, engine.Endpoint.ToString());
                status.DockerReachable = true;
                status.DockerError = null;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (status.DockerReachable != false) Log.DockerDown(_logger, e.Message);
                status.DockerReachable = false;
                status.DockerError = e.Message;
            }
            heartbeats.Beat("docker-ping", TimeSpan.FromMinutes(2));
            try { await Task.Delay(TimeSpan.FromSeconds(status.DockerReachable == true ? 15 : 3), time, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task FeedWatchdogAsync(CancellationToken ct)
    {
        // systemd sets WATCHDOG_USEC when the unit has WatchdogSec=; feed at half the period.
        if (!long.TryParse(System.Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var usec) || usec <= 0) return;
        var period = TimeSpan.FromMicroseconds(usec / 2.0);
        while (!ct.IsCancellationRequested)
        {
            var stalled = heartbeats.Stalled();
            if (stalled.Count == 0) notifier.Notify(new ServiceState("WATCHDOG=1"));
            else Log.Stalled(_logger, string.Join(", ", stalled));
            try { await Task.Delay(period, time, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Information, "reconciler started: {Repos} repos, {Stacks} stacks from {Config}")]
        public static partial void Started(ILogger logger, int repos, int stacks, string config);

        [LoggerMessage(31, LogLevel.Information, "reconciler stopped")]
        public static partial void Stopped(ILogger logger);

        [LoggerMessage(32, LogLevel.Information, "docker engine reachable at {Endpoint}")]
        public static partial void DockerUp(ILogger logger, string endpoint);

        [LoggerMessage(33, LogLevel.Error, "docker engine unreachable: {Error}")]
        public static partial void DockerDown(ILogger logger, string error);

        [LoggerMessage(34, LogLevel.Error, "loops not progressing, watchdog not fed: {Loops}")]
        public static partial void Stalled(ILogger logger, string loops);

        [LoggerMessage(35, LogLevel.Information, "engine cache resynced ({Reason}): {Differences} differences from the engine")]
        public static partial void CacheResynced(ILogger logger, string reason, int differences);

        [LoggerMessage(36, LogLevel.Warning, "engine cache mismatch found at resync ({Reason}): {Difference}")]
        public static partial void CacheMismatch(ILogger logger, string reason, string difference);

        [LoggerMessage(37, LogLevel.Warning, "engine event stream lost, reads go to the engine until it is back: {Error}")]
        public static partial void CacheStreamLost(ILogger logger, string error);
    }
}
