using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Core.Policy;

namespace Reconciler.Daemon;

/// <summary>
/// The stack loops that run now. The config's stacks start with the daemon; the fleet's host file
/// starts, stops and restarts others while it runs (<see cref="Fleet.HostFileWatcher"/>). Each loop
/// has its own cancellation under the daemon's, so one stack can stop without the others noticing.
/// </summary>
public sealed class StackWorkers(
    Func<StackConfig, IStackPass> passFor,
    DaemonStatus status,
    Heartbeats heartbeats,
    ActiveStacks active,
    TimeProvider time,
    ILogger logger)
{
    private sealed record Running(StackWorker Worker, CancellationTokenSource Stop, Task Loop);

    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);
    private CancellationToken _daemon;

    /// <summary>Ties every loop started from now on to the daemon's lifetime.</summary>
    public void Begin(CancellationToken daemon) => _daemon = daemon;

    public IReadOnlyCollection<StackWorker> All => [.. _running.Values.Select(r => r.Worker)];

    public StackWorker? Find(string name) => _running.TryGetValue(name, out var r) ? r.Worker : null;

    public IEnumerable<StackWorker> OfRepo(string repo) => All.Where(w => w.Reconciler.Stack.Repo == repo);

    public IEnumerable<StackWorker> OfProject(string project) => All.Where(w => w.Reconciler.Stack.ProjectName == project);

    /// <summary>
    /// Starts the stack's loop and, with <paramref name="trigger"/>, its first pass. With
    /// <paramref name="announce"/> the active set hears of it first (metrics and container watchers
    /// are ready before its first pass ends); the config's stacks are in that set from the start.
    /// </summary>
    public void Start(StackConfig stack, Trigger? trigger, bool announce = true)
    {
        status.StackDeclared(stack);
        if (announce) active.Add(stack);
        var worker = new StackWorker(passFor(stack), status, heartbeats, time, logger);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_daemon);
        var loop = Task.Run(() => worker.RunAsync(stop.Token), CancellationToken.None);
        _running[stack.Name] = new Running(worker, stop, loop);
        if (trigger is { } t) worker.Fire(t);
    }

    /// <summary>A stack kept by a new host file that only moved to a newer commit: nothing restarts, /status names the new one.</summary>
    public void Redeclare(StackConfig stack)
    {
        status.StackDeclared(stack);
        active.Update(stack);
    }

    /// <summary>
    /// Stops the stack's loop and waits for it to end (a pass in flight is cancelled between engine
    /// calls, leaving a state a later pass repairs); the stack then leaves /status, the watchdog's
    /// loops and the active set. Its containers are left as they are.
    /// </summary>
    public async Task StopAsync(string name)
    {
        if (!_running.TryRemove(name, out var running)) return;
        await running.Stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await running.Loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        running.Stop.Dispose();
        heartbeats.Remove($"stack:{name}");
        status.StackRemoved(name);
        if (active.Find(name) is { } stack) active.Remove(stack);
    }

    /// <summary>Waits for every loop to end (they end with the daemon's token).</summary>
    public Task WhenAllStopped() => Task.WhenAll(_running.Values.Select(r => r.Loop));
}
