using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Core.Desired;
using Reconciler.Docker;

namespace Reconciler.Observability;

/// <summary>
/// Samples host pressure at a modest rate (<see cref="Interval"/>): the free and total bytes of the
/// filesystem holding Docker's data root, the image bytes each stack holds, and each managed
/// service's memory use against its limit (one one-shot stats call per running container). OOM
/// kills are counted from the event stream by <see cref="ContainerEventWatcher"/>. A sample that
/// fails is skipped; the gauges keep their last values.
/// </summary>
internal sealed partial class HostPressureSampler(
    DaemonConfig config, IDockerHostOperations host, ReconcilerMetrics metrics, TimeProvider time, ILogger logger,
    Daemon.ActiveStacks? active = null) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly Dictionary<(string Stack, string Service), long> _limits = [];
    private bool _diskUnreadable;

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await SampleAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.SampleFailed(logger, e.Message);
            }
            try { await Task.Delay(Interval, time, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    public async Task SampleAsync(CancellationToken ct)
    {
        var info = await host.InfoAsync(ct).ConfigureAwait(false);
        SampleDisk(info.DockerRootDir);

        // The stacks running now: the fleet's host file adds and removes some while the daemon runs.
        var stacks = active?.Current ?? config.Stacks;
        var stackOf = stacks.ToDictionary(s => s.ProjectName, s => s.Name, StringComparer.Ordinal);
        var containers = (await host.ListContainersAsync(ct).ConfigureAwait(false))
            .Where(c => c.Labels.TryGetValue(ComposeLabels.Project, out var p) && stackOf.ContainsKey(p))
            .ToList();
        var sizes = (await host.ListImagesAsync(ct).ConfigureAwait(false)).ToDictionary(i => i.Id, i => i.Size, StringComparer.Ordinal);
        foreach (var stack in stacks)
        {
            var bytes = containers.Where(c => c.Labels[ComposeLabels.Project] == stack.ProjectName)
                .Select(c => c.ImageId).Distinct().Sum(id => sizes.GetValueOrDefault(id));
            metrics.StackImageBytes.WithLabels(stack.Name).Set(bytes);
        }

        var memory = new Dictionary<(string, string), (long Usage, long Limit)>();
        foreach (var c in containers.Where(c => c.State == "running"))
        {
            if (await host.MemoryAsync(c.Id, ct).ConfigureAwait(false) is not { } m) continue;
            var key = (stackOf[c.Labels[ComposeLabels.Project]], c.Labels.GetValueOrDefault(ComposeLabels.Service, ""));
            // Without a limit the engine reports the host's memory: that is no limit.
            var limit = m.Limit > 0 && (info.MemTotal <= 0 || m.Limit < info.MemTotal) ? m.Limit : 0;
            var was = memory.GetValueOrDefault(key);
            memory[key] = (Math.Max(was.Usage, m.Usage), Math.Max(was.Limit, limit));
        }
        // A service whose containers stopped uses nothing; its limit is configuration and stays known.
        foreach (var (key, (usage, limit)) in memory) _limits[key] = limit;
        foreach (var (key, limit) in _limits)
        {
            metrics.ContainerMemoryUsage.WithLabels(key.Stack, key.Service).Set(memory.TryGetValue(key, out var m) ? m.Usage : 0);
            metrics.ContainerMemoryLimit.WithLabels(key.Stack, key.Service).Set(limit);
        }
    }

    /// <summary>statfs of the data root: only when the daemon runs on the engine's host and may look there.</summary>
    private void SampleDisk(string dataRoot)
    {
        if (dataRoot.Length == 0) return;
        try
        {
            var drive = new DriveInfo(dataRoot);
            metrics.DiskSize.Set(drive.TotalSize);
            metrics.DiskFree.Set(drive.AvailableFreeSpace);
            _diskUnreadable = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            if (!_diskUnreadable) Log.DiskUnreadable(logger, dataRoot, e.Message);
            _diskUnreadable = true;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(80, LogLevel.Warning, "host pressure sample failed, next in 30s: {Error}")]
        public static partial void SampleFailed(ILogger logger, string error);

        [LoggerMessage(81, LogLevel.Information, "docker data root {DataRoot} cannot be read from here (a remote engine?): no disk metrics: {Error}")]
        public static partial void DiskUnreadable(ILogger logger, string dataRoot, string error);
    }
}
