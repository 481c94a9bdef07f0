using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Core.Policy;
using Reconciler.Daemon;

namespace Reconciler.Fleet;

/// <summary>
/// Keeps the stacks of this host in step with its host file in the fleet repo. Woken when the
/// fleet repo's watcher sees a new commit; reads the file at the head and either uses it — stacks
/// added start, stacks removed stop (their containers removed only with <c>prune_stacks</c>),
/// stacks whose definition changed restart on the new one — or refuses it (errors, or every stack
/// dropped without the commit saying so), changing nothing. The file in use is recorded
/// (<see cref="LastGoodHostFile"/>), so a restart runs what ran before even when the head is broken.
/// </summary>
public sealed partial class HostFileWatcher(
    DaemonConfig config,
    FleetConfig fleet,
    IHostFileSource source,
    LastGoodHostFile lastGood,
    StackWorkers workers,
    HostFileWatcher.PruneRemoved prune,
    DaemonStatus status,
    ILogger logger)
{
    /// <summary>Removes the containers of a stack that left the host file at <c>commit</c>; how many, and what failed.</summary>
    public delegate Task<(int Removed, string? Error)> PruneRemoved(StackConfig stack, string commit, string hostFile, CancellationToken ct);

    private readonly TriggerGate _gate = new();
    private ImmutableArray<StackConfig> _inUse = [];
    private string? _checked;

    /// <summary>This host's file in the fleet repo.</summary>
    public string File => fleet.HostFile(config.HostId);

    /// <summary>The stacks the host file in use lists (running, or stopped and left as they were).</summary>
    public ImmutableArray<StackConfig> InUse => _inUse;

    /// <summary>The fleet repo moved (or was fetched for the first time): check its head's host file.</summary>
    public void Fire(Trigger trigger) => _gate.Fire(trigger);

    /// <summary>
    /// Before the loops run: the stacks of the host file recorded as last good (if any), then of the
    /// mirror's head when a mirror is already there. A broken head thus leaves the host running what
    /// it ran before the restart, and says why. The loops started here wait, like the config's stacks,
    /// for their repo's first fetch (or the mirror's head when the remote cannot be reached).
    /// </summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (lastGood.Read() is { } record)
        {
            var load = HostFileLoad.Of(config, record.File, record.Repo, record.Commit, record.Text, message: "");
            if (record.File != File || record.Repo != fleet.Repo)
                Log.RecordIgnored(logger, record.Repo, record.File, fleet.Repo, File);
            else if (load.HostFile is { } recorded)
            {
                await ApplyAsync(recorded.Stacks, record.Commit, trigger: null, ct).ConfigureAwait(false);
                status.HostFileUsed(fleet.Repo, File, record.Commit);
                Log.Restored(logger, File, HostFileLoad.Short(record.Commit), recorded.Stacks.Length);
            }
            else Log.RecordBroken(logger, File, HostFileLoad.Short(record.Commit), string.Join("; ", load.Errors));
        }
        if (source.Head() is { } head) await CheckAsync(head, trigger: null, ct).ConfigureAwait(false);
    }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Trigger trigger;
            try { trigger = await _gate.WaitAsync(ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            if (source.Head() is not { } head || head == _checked) continue;
            try
            {
                await CheckAsync(head, trigger, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A bug of ours must not end the loop: the stacks keep running as they are.
                Log.CheckCrashed(logger, File, e);
            }
        }
    }

    /// <summary>Reads, checks and (unless refused) uses the host file at <paramref name="head"/>; true when used.</summary>
    /// <param name="trigger">The first pass of a stack started now; null: none until its repo's watcher fires it.</param>
    internal async Task<bool> CheckAsync(string head, Trigger? trigger, CancellationToken ct)
    {
        _checked = head;
        HostFileLoad load;
        try
        {
            var (text, message) = source.Read(head, File);
            load = HostFileLoad.Of(config, File, fleet.Repo, head, text, message);
        }
        catch (Git.GitException e)
        {
            load = new HostFileLoad(File, fleet.Repo, head) { Errors = [$"{File}: cannot be read at {fleet.Repo}@{HostFileLoad.Short(head)}: {e.Message}"] };
        }
        switch (HostFileDecision.Of(load, _inUse, config.HostId))
        {
            case HostFileDecision.Refuse refuse:
                status.HostFileRefused(fleet.Repo, File, head, refuse.Reason, refuse.Message);
                Log.Refused(logger, File, HostFileLoad.Short(head), refuse.Reason, refuse.Message);
                return false;
            case HostFileDecision.Use use:
                var change = await ApplyAsync(use.HostFile.Stacks, head, trigger, ct).ConfigureAwait(false);
                if (!lastGood.Write(load)) Log.RecordNotWritten(logger, File, config.StateDir);
                status.HostFileUsed(fleet.Repo, File, head);
                Log.Used(logger, File, HostFileLoad.Short(head), use.HostFile.Stacks.Length,
                    change.Added.Length, change.Removed.Length, change.Changed.Length);
                return true;
            default:
                throw new InvalidOperationException("unknown host file decision");
        }
    }

    /// <summary>Removals first (their compose projects may be taken over), then restarts, then new stacks.</summary>
    private async Task<StackSetChange> ApplyAsync(ImmutableArray<StackConfig> next, string commit, Trigger? trigger, CancellationToken ct)
    {
        var change = StackSetChange.Of(_inUse, next);
        foreach (var gone in change.Removed)
        {
            await workers.StopAsync(gone.Name).ConfigureAwait(false);
            await PruneAsync(gone, commit, ct).ConfigureAwait(false);
        }
        foreach (var (old, changed) in change.Changed)
        {
            Log.Restarting(logger, changed.Name, File, HostFileLoad.Short(commit));
            await workers.StopAsync(old.Name).ConfigureAwait(false);
            // Under another project name the old containers would be nobody's: they go as a removed stack's do.
            if (old.ProjectName != changed.ProjectName) await PruneAsync(old, commit, ct).ConfigureAwait(false);
            workers.Start(changed, trigger);
        }
        foreach (var added in change.Added)
        {
            Log.Adding(logger, added.Name, File, HostFileLoad.Short(commit));
            workers.Start(added, trigger);
        }
        foreach (var kept in change.Kept) workers.Redeclare(kept);
        _inUse = next;
        // A stack that left this host takes its rendered tree along (it may hold files decrypted from sops).
        if (!change.Removed.IsEmpty)
            StaleStackFiles.Remove(config.StateDir, [.. config.Stacks.Select(s => s.Name), .. next.Select(s => s.Name)], logger);
        return change;
    }

    private async Task PruneAsync(StackConfig stack, string commit, CancellationToken ct)
    {
        if (!config.PruneStacks)
        {
            Log.LeftRunning(logger, stack.Name, File, HostFileLoad.Short(commit), stack.ProjectName);
            return;
        }
        var (removed, error) = await prune(stack, commit, File, ct).ConfigureAwait(false);
        if (error is null) Log.Pruned(logger, stack.Name, removed);
        else Log.PruneFailed(logger, stack.Name, error);
    }

    private static partial class Log
    {
        [LoggerMessage(90, LogLevel.Information, "host file {File} at {Commit} in use: {Stacks} stacks ({Added} added, {Removed} removed, {Changed} restarted)")]
        public static partial void Used(ILogger logger, string file, string commit, int stacks, int added, int removed, int changed);

        [LoggerMessage(91, LogLevel.Error, "host file {File} at {Commit} refused ({Reason}): {Message}")]
        public static partial void Refused(ILogger logger, string file, string commit, string reason, string message);

        [LoggerMessage(92, LogLevel.Information, "stack={Stack} added by {File} at {Commit}")]
        public static partial void Adding(ILogger logger, string stack, string file, string commit);

        [LoggerMessage(93, LogLevel.Information, "stack={Stack} definition changed in {File} at {Commit}: restarting its loop")]
        public static partial void Restarting(ILogger logger, string stack, string file, string commit);

        [LoggerMessage(94, LogLevel.Warning, "stack={Stack} left {File} at {Commit}; prune_stacks is off, so its containers (project {Project}) keep running unmanaged: docker compose -p {Project} down removes them")]
        public static partial void LeftRunning(ILogger logger, string stack, string file, string commit, string project);

        [LoggerMessage(95, LogLevel.Information, "stack={Stack} removed from this host: {Removed} containers removed (networks and volumes kept)")]
        public static partial void Pruned(ILogger logger, string stack, int removed);

        [LoggerMessage(96, LogLevel.Error, "stack={Stack} removed from this host, but removing its containers failed: {Error}")]
        public static partial void PruneFailed(ILogger logger, string stack, string error);

        [LoggerMessage(97, LogLevel.Information, "host file {File} at {Commit} (last good, recorded) restored: {Stacks} stacks")]
        public static partial void Restored(ILogger logger, string file, string commit, int stacks);

        [LoggerMessage(98, LogLevel.Warning, "the recorded last good host file {File} at {Commit} no longer fits the daemon config, not restored: {Errors}")]
        public static partial void RecordBroken(ILogger logger, string file, string commit, string errors);

        [LoggerMessage(99, LogLevel.Warning, "the recorded last good host file is {Repo}:{File}, but the config now names {FleetRepo}:{HostFile}: not restored")]
        public static partial void RecordIgnored(ILogger logger, string repo, string file, string fleetRepo, string hostFile);

        [LoggerMessage(100, LogLevel.Warning, "host file {File} is in use but could not be recorded in {StateDir}: a restart while the head is broken would not find it")]
        public static partial void RecordNotWritten(ILogger logger, string file, string stateDir);

        [LoggerMessage(101, LogLevel.Error, "host file {File}: check crashed, the stacks keep running as they are")]
        public static partial void CheckCrashed(ILogger logger, string file, Exception exception);
    }
}
