using Microsoft.Extensions.Logging;
using Reconciler.Core.Desired;
using Reconciler.Docker.Execution;
using Reconciler.Core.Planning;
using Reconciler.Core.Policy;
using Reconciler.Git;
using Reconciler.State;

namespace Reconciler.Daemon;

/// <summary>The recording end of a pass: state and history writes, which never fail the pass.</summary>
public sealed partial class StackReconciler
{
    // The stack's state as this process last knew it (only the stack's loop touches these). While
    // the store refuses writes it is the authority: a failed commit's mark must not be forgotten
    // because the disk is read-only, or the commit is redeployed (and rolled back) on every tick.
    // Written back as soon as the store takes writes again.
    private StackState? _known;
    private bool _unsaved;

    private async Task<StackState> SafeGetStateAsync(CancellationToken ct)
    {
        StackState stored;
        try
        {
            stored = await store.GetStackAsync(stack.Name, ct).ConfigureAwait(false) ?? StackState.Initial(stack.Name);
        }
        catch (StateStoreUnavailableException e)
        {
            Log.StateUnavailable(logger, stack.Name, e.Message);
            return _known ?? StackState.Initial(stack.Name);
        }
        if (!_unsaved || _known is null) return _known = stored;
        // A suspend or resume from the CLI meanwhile is the store's, and wins.
        var known = _known with { Suspended = stored.Suspended };
        try
        {
            _known = await store.UpdateStackAsync(stack.Name, (s, _) => known with { Suspended = s.Suspended }, ct).ConfigureAwait(false);
            _unsaved = false;
            Log.StateSaved(logger, stack.Name);
            return _known;
        }
        catch (StateStoreUnavailableException e)
        {
            Log.StateUnavailable(logger, stack.Name, e.Message);
            return _known = known;
        }
    }

    private async Task UpdateStateAsync(Func<StackState, StackState> change, CancellationToken ct)
    {
        // What this process knows but could not write yet is the basis, not the store's older copy.
        var basis = _unsaved ? _known : null;
        try
        {
            _known = await store.UpdateStackAsync(stack.Name,
                (s, _) => change(basis is null ? s : basis with { Suspended = s.Suspended }), ct).ConfigureAwait(false);
            _unsaved = false;
        }
        catch (StateStoreUnavailableException e)
        {
            // A read-only or full disk must not stop deploys: the engine is the truth, state is a record.
            Log.StateUnavailable(logger, stack.Name, e.Message);
            _known = change(_known ?? StackState.Initial(stack.Name));
            _unsaved = true;
        }
    }

    /// <summary>
    /// The end of every pass: the verdict written to the stack's record and history, once. (The only
    /// earlier writes are a deploy's opening row and its attempt mark, so that a crash midway shows.)
    /// </summary>
    private async Task RecordAsync(PassVerdict verdict, PassRun run, CancellationToken ct)
    {
        await RecordPullsAsync(run, ct).ConfigureAwait(false);
        switch (verdict.Record)
        {
            case RecordKind.InSync:
                await RecordInSyncAsync(verdict.Commit!, DeploymentResult.Noop, run, ct).ConfigureAwait(false);
                break;
            case RecordKind.Applied:
                await RecordInSyncAsync(verdict.Commit!, DeploymentResult.Applied, run, ct).ConfigureAwait(false);
                break;
            case RecordKind.OutOfSync:
                await UpdateStateAsync(s => s.OutOfSync(DriftReport.Summary(run.Drift)), ct).ConfigureAwait(false);
                break;
            case RecordKind.Failed or RecordKind.RolledBack:
                await RecordFailureAsync(verdict, run, ct).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// Remembers the pulls that succeeded (in a deploy, a repair, a rollback), with the time now:
    /// <c>pull_policy: daily</c>, <c>weekly</c> and <c>every_&lt;duration&gt;</c> are judged against
    /// them by later passes and after a restart, instead of pulling (with a history row) on every pass.
    /// The images built are recorded by id like the pulled ones: image GC may remove them once no
    /// container and no kept commit uses them.
    /// </summary>
    private async Task RecordPullsAsync(PassRun run, CancellationToken ct)
    {
        var done = run.Executions.SelectMany(e => e.Outcomes).Where(o => o.Result == ActionResult.Done).ToList();
        var pulls = done.Where(o => o.Action is PullImage).ToList();
        var builtIds = done.Where(o => o.Action is BuildImage).Select(o => o.Image?.Id).OfType<string>().ToList();
        var findings = run.Findings?.Select(f => f.ToString()).ToList();
        var findingsChanged = findings is not null && !findings.SequenceEqual(run.State.PolicyFindings);
        if (pulls.Count == 0 && builtIds.Count == 0 && !findingsChanged) return;
        var pulled = pulls.Select(o => ((PullImage)o.Action).Image).ToList();
        var ids = pulls.Select(o => o.Image?.Id).OfType<string>().Concat(builtIds).ToList();
        var at = time.GetUtcNow();
        await UpdateStateAsync(s =>
        {
            var next = pulls.Count == 0 && builtIds.Count == 0 ? s : s.Pulled(pulled, at).PulledIds(ids, at);
            return findingsChanged ? next.Findings(findings!) : next;
        }, ct).ConfigureAwait(false);
    }

    /// <summary>The host matches the commit: it becomes the applied and last good one, with the images it runs.</summary>
    private async Task RecordInSyncAsync(string commit, DeploymentResult result, PassRun run, CancellationToken ct)
    {
        if (run.DeploymentId is null && commit != run.State.LastAppliedCommit)
            run.DeploymentId = await StartDeploymentAsync(commit, InfoOf(run), run.Trigger, ct).ConfigureAwait(false);
        await FinishDeploymentAsync(run.DeploymentId, new DeploymentFinish(result, run.Actions), ct).ConfigureAwait(false);
        var images = ImagesRunning(run);
        var now = time.GetUtcNow();
        StackState InSync(StackState s) => s.Applied(commit, result, now).BecameHealthy(commit, images);
        if (result == DeploymentResult.Noop && run.DeploymentId is null && !_unsaved && _known is { } known && OnlyFresher(known, InSync(known), now))
            return;
        await UpdateStateAsync(InSync, ct).ConfigureAwait(false);
        if (result == DeploymentResult.Applied) Log.Deployed(logger, stack.Name, Short(commit), run.Actions, InfoOf(run)?.Subject ?? "");
    }

    /// <summary>
    /// A drift pass that found the stack in sync changes nothing but the time of its last success:
    /// that is written at most once a minute, not by every tick (a write costs more than the rest of
    /// such a pass; the metric of the last success is set from the pass itself).
    /// </summary>
    private static bool OnlyFresher(StackState known, StackState next, DateTimeOffset now) =>
        known.LastSuccessAt is { } last && now - last < InSyncRecordInterval && (next with { LastSuccessAt = last }).Equals(known);

    internal static readonly TimeSpan InSyncRecordInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A failure: logged, one history row per distinct failure of a commit (not one per drift tick that
    /// meets it again), and the commit blocked when the failure is its own.
    /// </summary>
    private async Task RecordFailureAsync(PassVerdict verdict, PassRun run, CancellationToken ct)
    {
        var commit = verdict.Commit!;
        var message = run.Error ?? "failed";
        var where = run.ErrorAt;
        Log.PassFailed(logger, stack.Name, Short(commit), verdict.Phase ?? "-", where is { } w ? $"{w.File}:{w.Line}: {message}" : message);
        var alreadyRecorded = run.State.LastError?.Commit == commit && run.State.LastError?.Message == message;
        if (!alreadyRecorded && run.DeploymentId is null)
            run.DeploymentId = await StartDeploymentAsync(commit, InfoOf(run), run.Trigger, ct).ConfigureAwait(false);
        var result = verdict.RolledBack ? DeploymentResult.RolledBack : DeploymentResult.Failed;
        await FinishDeploymentAsync(run.DeploymentId, new DeploymentFinish(result, run.Actions, message), ct).ConfigureAwait(false);
        var error = new StackError(message) { Commit = commit, File = where?.File, Line = where?.Line };
        var block = verdict.Cause == FailureCause.CommitsFault;
        // After a rollback the host runs the last good commit again: the next passes hold it.
        var rolledBackTo = verdict.RolledBack ? run.State.LastGoodCommit : null;
        await UpdateStateAsync(s =>
        {
            var failed = s.Failed(error, result, block);
            return rolledBackTo is null ? failed : failed with { LastAppliedCommit = rolledBackTo };
        }, ct).ConfigureAwait(false);
    }

    private async Task<long?> StartDeploymentAsync(string commit, GitCommitInfo? info, Trigger trigger, CancellationToken ct)
    {
        try
        {
            var d = await store.StartDeploymentAsync(new DeploymentStart(stack.Name, commit, ToStateTrigger(trigger))
            {
                Author = info?.AuthorName,
                Subject = info?.Subject,
            }, ct).ConfigureAwait(false);
            return d.Id;
        }
        catch (StateStoreUnavailableException e)
        {
            Log.StateUnavailable(logger, stack.Name, e.Message);
            return null;
        }
    }

    private async Task FinishDeploymentAsync(long? id, DeploymentFinish finish, CancellationToken ct)
    {
        if (id is null) return;
        try
        {
            await store.FinishDeploymentAsync(id.Value, finish, ct).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException e)
        {
            Log.StateUnavailable(logger, stack.Name, e.Message);
        }
    }

    /// <summary>
    /// The exact image each service runs (by repository digest, else id: <see cref="ImagePin"/>), so
    /// a rollback can restore exactly that, without asking the engine again: a container the pass
    /// created runs the image the executor inspected to create it; one it left alone runs what the
    /// plan observed.
    /// </summary>
    private static Dictionary<string, string> ImagesRunning(PassRun run)
    {
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        if (run.Swarm is { } swarm)
        {
            if (run.ObservedSwarm is { } seen) foreach (var (service, pin) in Core.Swarm.SwarmImagePins.Running(swarm, seen)) images[service] = pin;
            return images;
        }
        if (run.Desired is not { Services.Count: > 0 } desired || run.Observed is not { } observed) return images;
        foreach (var o in run.Executions.SelectMany(e => e.Outcomes).Where(o => o.Action is ContainerAction))
            if (o.Image is { } image && o.Action.Service is { } service && desired.Services.TryGetValue(service, out var s))
            {
                var references = observed.LocalImages.SetItems(image.RepoDigests.Concat(image.RepoTags).Select(r => KeyValuePair.Create(r, image.Id)));
                images[service] = ImagePin.For(s.Image, image.Id, references);
            }
        foreach (var c in observed.Containers)
            if (c.Label(ComposeLabels.Service) is { } service && c.ImageId.Length > 0 && desired.Services.TryGetValue(service, out var s))
                images.TryAdd(service, ImagePin.For(s.Image, c.ImageId, observed.LocalImages));
        return images;
    }

    private static DeploymentTrigger ToStateTrigger(Trigger t) => t switch
    {
        Trigger.Poll => DeploymentTrigger.Poll,
        Trigger.Webhook => DeploymentTrigger.Webhook,
        Trigger.Drift => DeploymentTrigger.Drift,
        Trigger.Startup => DeploymentTrigger.Startup,
        _ => DeploymentTrigger.Manual,
    };

    private static partial class Log
    {
        [LoggerMessage(3, LogLevel.Error, "stack={Stack} commit={Commit} phase={Phase} failed: {Error}")]
        public static partial void PassFailed(ILogger logger, string stack, string commit, string phase, string error);

        [LoggerMessage(4, LogLevel.Information, "stack={Stack} commit={Commit} deployed ({Actions} actions): {Subject}")]
        public static partial void Deployed(ILogger logger, string stack, string commit, int actions, string subject);

        [LoggerMessage(5, LogLevel.Warning, "stack={Stack} commit={Commit} {Warning}")]
        public static partial void LoadWarning(ILogger logger, string stack, string commit, string warning);

        [LoggerMessage(10, LogLevel.Warning, "stack={Stack} commit={Commit} policy warning: {Finding}")]
        public static partial void PolicyWarning(ILogger logger, string stack, string commit, string finding);

        [LoggerMessage(8, LogLevel.Warning, "stack={Stack} commit={Commit} folder {Path} is gone from git and prune_stacks is on: removing the stack's containers")]
        public static partial void Pruning(ILogger logger, string stack, string commit, string path);

        [LoggerMessage(11, LogLevel.Warning, "stack={Stack} fleet commit={Commit} the stack left {HostFile} and prune_stacks is on: removing the stack's containers")]
        public static partial void PruningRemoved(ILogger logger, string stack, string commit, string hostFile);

        [LoggerMessage(7, LogLevel.Warning, "stack={Stack} rolling back to the last good commit {Commit}")]
        public static partial void RollingBack(ILogger logger, string stack, string commit);

        [LoggerMessage(6, LogLevel.Warning, "stack={Stack} state store unavailable, continuing without recording: {Error}")]
        public static partial void StateUnavailable(ILogger logger, string stack, string error);

        [LoggerMessage(12, LogLevel.Information, "stack={Stack} swarm {Action}: {Result}")]
        public static partial void SwarmAction(ILogger logger, string stack, string action, string result);

        [LoggerMessage(9, LogLevel.Information, "stack={Stack} state store writable again: the state kept in memory meanwhile is recorded")]
        public static partial void StateSaved(ILogger logger, string stack);
    }
}
