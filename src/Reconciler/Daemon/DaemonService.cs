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
    ActiveStacks active,
    ISystemdNotifier notifier,
    TimeProvider time,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger("Reconciler.Daemon");
    private readonly Dictionary<string, RepoWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GitRepositoryMirror> _mirrors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HeadVerification> _gates = new(StringComparer.Ordinal);
    // One Swarm client for every engine: swarm stack, over the host engine's endpoint; lives as long as the daemon.
    private Docker.Swarm.SwarmEngine? _swarm;
    private Docker.Swarm.SwarmEngine SwarmEngine => LazyInitializer.EnsureInitialized(ref _swarm, () => new Docker.Swarm.SwarmEngine(engine.Endpoint, time, engine.Credentials));
    private StackWorkers? _workers;

    private readonly TaskCompletionSource<IReadOnlyDictionary<string, GitRepositoryMirror>> _mirrorsReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyDictionary<string, RepoWatcher> Watchers => _watchers;

    /// <summary>The stack loops running now; null until the daemon started.</summary>
    public StackWorkers? Workers => _workers;

    /// <summary>The fleet's host file loop; null without <c>fleet:</c>.</summary>
    public Fleet.HostFileWatcher? HostFile { get; private set; }

    /// <summary>The repos' mirrors once created (plan previews fetch request heads into them, serialised with the branch's fetches).</summary>
    public Task<IReadOnlyDictionary<string, GitRepositoryMirror>> Mirrors => _mirrorsReady.Task;

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        status.HostId = config.HostId;
        foreach (var repo in config.Repos)
        {
            var mirror = _mirrors[repo.Name] = new GitRepositoryMirror(SecretSources.RemoteFor(repo), config.StateDir);
            status.ExpectRepo(repo.Name);
            var gate = repo.Verify is null ? null : _gates[repo.Name] = new HeadVerification(repo, mirror, status, loggers.CreateLogger("Reconciler.Git"));
            var watcher = _watchers[repo.Name] = new RepoWatcher(repo, mirror, store, status, heartbeats, time, loggers.CreateLogger("Reconciler.Git"), gate)
            {
                // Hosts started together (a fleet rebooted at once) do not all ask the git server in the same second.
                Jitter = RepoWatcher.DefaultJitter,
            };
            // Whichever stacks run on this repo now: the set changes with the host file.
            watcher.OnNewCommit(trigger => { foreach (var w in _workers!.OfRepo(repo.Name)) w.Fire(trigger); });
        }
        _mirrorsReady.TrySetResult(_mirrors);
        var workers = _workers = new StackWorkers(PassFor, status, heartbeats, active, time, loggers.CreateLogger("Reconciler.Stack"));
        workers.Begin(ct);
        foreach (var stack in config.Stacks) workers.Start(stack, trigger: null, announce: false);
        if (config.Fleet is { } fleet)
        {
            status.ExpectHostFile(fleet.HostFile(config.HostId));
            var hostFile = HostFile = new Fleet.HostFileWatcher(config, fleet, new Fleet.MirrorHostFileSource(_mirrors[fleet.Repo], _gates.GetValueOrDefault(fleet.Repo)),
                new Fleet.LastGoodHostFile(config.StateDir), workers,
                (stack, commit, file, t) => PassFor(stack).PruneRemovedAsync(commit, file, t),
                status, loggers.CreateLogger("Reconciler.Fleet"));
            // A commit of the fleet repo that adds a stack starts it with that commit's trigger.
            _watchers[fleet.Repo].OnNewCommit(hostFile.Fire);
            await hostFile.StartAsync(ct).ConfigureAwait(false);
        }
        // Image GC after every deploy that applied something: the images it replaced may be garbage now.
        var collector = config.ImageGc.Enabled
            ? new ImageCollector(config, engine.Host, store, time, loggers.CreateLogger("Reconciler.ImageGc"), active)
            : null;
        if (collector is not null)
        {
            status.PassCompleted += (result, _) => { if (result.Outcome == PassOutcome.Applied) collector.Request(); };
            collector.Collected += status.ImagesCollectedBy;
        }
        // The config's stacks and the host file's (restored above): every other rendered tree goes.
        StaleStackFiles.Remove(config.StateDir, active.Current.Select(s => s.Name), _logger);
        status.ConfigLoaded = true;
        Log.Started(_logger, config.HostId, config.Repos.Length, active.Current.Length, config.Path);

        var loops = new List<Task>();
        loops.AddRange(_watchers.Values.Select(w => Task.Run(() => w.RunAsync(ct), ct)));
        if (HostFile is { } fleetLoop) loops.Add(Task.Run(() => fleetLoop.RunAsync(ct), ct));
        if (collector is not null) loops.Add(Task.Run(() => collector.RunAsync(ct), ct));
        if (engine.Cache is { } cache) loops.Add(Task.Run(() => FollowEngineAsync(cache, ct), ct));
        loops.Add(Task.Run(() => PingDockerAsync(ct), ct));
        loops.Add(Task.Run(() => FeedWatchdogAsync(ct), ct));
        if (MemoryTrim.Enabled)
        {
            var trim = new MemoryTrim(status, active, time, _logger);
            status.PassCompleted += (result, _) => trim.Observe(result);
            // Only a native build's code lives in files; a JIT build's is in the heap.
            loops.Add(Task.Run(() => trim.RunAsync(releasePages: !System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported, ct), ct));
        }
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
            await workers.WhenAllStopped().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        Log.Stopped(_logger);
    }

    /// <summary>A stack's pass: its reconciler over its repo's mirror (and signature gate).</summary>
    private StackReconciler PassFor(StackConfig stack)
    {
        var reconciler = new StackReconciler(stack, config.PruneStacks, _mirrors[stack.Repo], engine, store, config.StateDir, time,
            loggers.CreateLogger("Reconciler.Stack"), _gates.GetValueOrDefault(stack.Repo),
            stack.Engine == StackEngine.Swarm ? SwarmEngine : null);
        reconciler.DeployStarting += status.DeployStarting;
        return reconciler;
    }

    /// <summary>Trigger a stack now (CLI resume, tests).</summary>
    public bool Fire(string stack, Trigger trigger)
    {
        if (_workers?.Find(stack) is not { } w) return false;
        w.Fire(trigger);
        return true;
    }

    /// <summary>
    /// Feeds the engine cache and lets its events drive work: an event on a managed container wakes
    /// that stack's worker (<see cref="StackWorker.FireEvent"/>); a resync after a reconnect, or one
    /// that found the cache wrong, wakes every stack, since any of them may have drifted unseen.
    /// The stacks are looked up at each event: the set changes with the fleet's host file.
    /// </summary>
    private async Task FollowEngineAsync(EngineCache cache, CancellationToken ct)
    {
        void OnContainer(ContainerEvent e)
        {
            if (!WakesStack(e.Action) || !e.Attributes.TryGetValue(ComposeLabels.Project, out var project)) return;
            foreach (var w in _workers!.OfProject(project)) w.FireEvent();
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
                foreach (var w in _workers!.All) w.FireEvent();
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
        [LoggerMessage(30, LogLevel.Information, "reconciler started: host {HostId}, {Repos} repos, {Stacks} stacks from {Config}")]
        public static partial void Started(ILogger logger, string hostId, int repos, int stacks, string config);

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
