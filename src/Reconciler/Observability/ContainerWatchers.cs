using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Daemon;
using Reconciler.Docker;

namespace Reconciler.Observability;

/// <summary>
/// One <see cref="ContainerEventWatcher"/> per stack this host runs, following the active set: a
/// stack added by the fleet's host file gets one, a stack removed loses it and then its series.
/// Starts and stops of one stack run in order (a changed stack is removed, then added again).
/// </summary>
internal sealed class ContainerWatchers(
    DaemonConfig config,
    ActiveStacks active,
    DockerEngine engine,
    ReconcilerMetrics metrics,
    MetricsRecorder recorder,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ContainerEventWatcher> _watchers = new(StringComparer.Ordinal);
    // Per stack, the last start or stop: the next waits for it.
    private readonly Dictionary<string, Task> _pending = new(StringComparer.Ordinal);
    private bool _stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        active.Added += OnAdded;
        active.Removed += OnRemoved;
        foreach (var stack in active.Current) await StartOneAsync(stack, cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        active.Added -= OnAdded;
        active.Removed -= OnRemoved;
        List<Task> stops;
        lock (_gate)
        {
            _stopped = true;
            stops = [.. _watchers.Values.Select(w => w.StopAsync(cancellationToken)), .. _pending.Values];
            _watchers.Clear();
        }
        await Task.WhenAll(stops).ConfigureAwait(false);
    }

    private void OnAdded(StackConfig stack) => Chain(stack.Name, () => StartOneAsync(stack, CancellationToken.None));

    private void OnRemoved(StackConfig stack) => Chain(stack.Name, async () =>
    {
        ContainerEventWatcher? watcher;
        lock (_gate) _watchers.Remove(stack.Name, out watcher);
        if (watcher is not null) await watcher.StopAsync(CancellationToken.None).ConfigureAwait(false);
        watcher?.Dispose();
        recorder.Forget(stack.Name);
    });

    private void Chain(string stack, Func<Task> next)
    {
        lock (_gate)
        {
            if (_stopped) return;
            var before = _pending.GetValueOrDefault(stack, Task.CompletedTask);
            _pending[stack] = before.ContinueWith(_ => next(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        }
    }

    private async Task StartOneAsync(StackConfig stack, CancellationToken ct)
    {
        var watcher = new ContainerEventWatcher(stack.Name, stack.ProjectName, engine.Events, engine.State, engine.Containers,
            metrics, ContainerLedgerFile.For(config.StateDir, stack.ProjectName), recorder.ContainersChanged, time,
            loggers.CreateLogger("Reconciler.Observability"));
        lock (_gate)
        {
            if (_stopped) return;
            _watchers[stack.Name] = watcher;
        }
        await watcher.StartAsync(ct).ConfigureAwait(false);
    }
}
