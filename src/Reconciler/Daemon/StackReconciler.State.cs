using Microsoft.Extensions.Logging;
using Reconciler.Core.Desired;
using Reconciler.Docker.Execution;
using Reconciler.Core.Planning;
using Reconciler.Core.Policy;
using Reconciler.Git;
using Reconciler.State;

namespace Reconciler.Daemon;

/// <summary>The recording half of a pass: state and history writes that never fail the pass.</summary>
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
    /// Remembers the pulls that succeeded, with the time now: <c>pull_policy: daily</c>, <c>weekly</c>
    /// and <c>every_&lt;duration&gt;</c> are judged against them by later passes and after a restart,
    /// instead of finding the last pull unknown (and pulling, with a history row) on every pass.
    /// Keyed by the reference as the plan wrote it; the planner also matches its normalized form.
    /// </summary>
    private async Task RecordPullsAsync(ExecutionResult execution, CancellationToken ct)
    {
        var pulled = execution.Outcomes.Where(o => o.Result == ActionResult.Done).Select(o => o.Action).OfType<PullImage>()
            .Select(p => p.Image).ToList();
        if (pulled.Count == 0) return;
        var at = time.GetUtcNow();
        await UpdateStateAsync(s => s.Pulled(pulled, at), ct).ConfigureAwait(false);
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

    private async Task<StackPassResult> FailAsync(StackPassResult result, StackState state, GitCommitInfo? info, Trigger trigger,
        bool blockCommit, CancellationToken ct, (string File, int Line)? where = null, long? deploymentId = null,
        DeploymentResult result2 = DeploymentResult.Failed, string? appliedCommit = null)
    {
        // The log line and /status name the file:line too (the record keeps it apart from the message).
        var located = where is { } w ? $"{w.File}:{w.Line}: {result.Error}" : result.Error;
        Log.PassFailed(logger, stack.Name, Short(result.Commit ?? "-"), result.FailedPhase ?? "-", located ?? "");
        // Record the failed attempt once per commit, not on every drift tick that meets it again.
        var alreadyRecorded = state.LastError?.Commit == result.Commit && state.LastError?.Message == result.Error;
        if (!alreadyRecorded && deploymentId is null && result.Commit is not null)
            deploymentId = await StartDeploymentAsync(result.Commit, info, trigger, ct).ConfigureAwait(false);
        await FinishDeploymentAsync(deploymentId, new DeploymentFinish(result2, result.Actions, result.Error), ct).ConfigureAwait(false);
        var error = new StackError(result.Error ?? "failed") { Commit = result.Commit, File = where?.File, Line = where?.Line };
        await UpdateStateAsync(s =>
        {
            var failed = s.Failed(error, result2, blockCommit && result.Commit is not null);
            // After a rollback the host runs the last good commit again: the next passes hold it.
            return appliedCommit is null ? failed : failed with { LastAppliedCommit = appliedCommit };
        }, ct).ConfigureAwait(false);
        // Not the commit's fault (engine, registry, disk, a container killed by hand): worth a retry.
        return result with { Error = located, Transient = !blockCommit };
    }

    private async Task RecordSuccessAsync(string commit, DeploymentResult result, DesiredProject desired, StackState before,
        GitCommitInfo? info, Trigger trigger, int actions, CancellationToken ct, long? deploymentId = null, bool record = true)
    {
        if (record && deploymentId is null && commit != before.LastAppliedCommit)
            deploymentId = await StartDeploymentAsync(commit, info, trigger, ct).ConfigureAwait(false);
        await FinishDeploymentAsync(deploymentId, new DeploymentFinish(result, actions), ct).ConfigureAwait(false);
        var images = await ImagesByServiceAsync(desired, ct).ConfigureAwait(false);
        await UpdateStateAsync(s => s.Applied(commit, result, time.GetUtcNow()).BecameHealthy(commit, images), ct).ConfigureAwait(false);
        if (result == DeploymentResult.Applied) Log.Deployed(logger, stack.Name, Short(commit), actions, info?.Subject ?? "");
    }

    /// <summary>
    /// The exact image each service runs now (by repository digest, else id: <see cref="ImagePin"/>),
    /// so a rollback can restore exactly that.
    /// </summary>
    private async Task<Dictionary<string, string>> ImagesByServiceAsync(DesiredProject desired, CancellationToken ct)
    {
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var observed = await engine.State.ReadAsync(desired.Name, [], ct).ConfigureAwait(false);
            foreach (var c in observed.Containers)
                if (c.Label(ComposeLabels.Service) is { } service && c.ImageId.Length > 0)
                    images.TryAdd(service, ImagePin.For(desired.Services.TryGetValue(service, out var s) ? s.Image : c.Image, c.ImageId, observed.LocalImages));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.PassFailed(logger, stack.Name, "-", "observe", e.Message);
        }
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

    /// <summary>One log line per action, with stack, service and commit.</summary>
    private sealed class LoggingObserver(ILogger logger, string stack, string commit) : IExecutionObserver
    {
        public void Finished(ActionOutcome o)
        {
            if (o.Result == ActionResult.Done) Log.ActionDone(logger, stack, o.Action.Service ?? "-", commit, Describe(o.Action), o.Action.Reason, o.Duration.TotalMilliseconds);
            else Log.ActionFailed(logger, stack, o.Action.Service ?? "-", commit, Describe(o.Action), o.Error ?? "");
        }

        private static string Describe(PlanAction a) => Cli.ApplyCommand.Describe(a);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "stack={Stack} service={Service} commit={Commit} action=\"{Action}\" reason=\"{Reason}\" took_ms={Millis:0}")]
        public static partial void ActionDone(ILogger logger, string stack, string service, string commit, string action, string reason, double millis);

        [LoggerMessage(2, LogLevel.Error, "stack={Stack} service={Service} commit={Commit} action=\"{Action}\" failed: {Error}")]
        public static partial void ActionFailed(ILogger logger, string stack, string service, string commit, string action, string error);

        [LoggerMessage(3, LogLevel.Error, "stack={Stack} commit={Commit} phase={Phase} failed: {Error}")]
        public static partial void PassFailed(ILogger logger, string stack, string commit, string phase, string error);

        [LoggerMessage(4, LogLevel.Information, "stack={Stack} commit={Commit} deployed ({Actions} actions): {Subject}")]
        public static partial void Deployed(ILogger logger, string stack, string commit, int actions, string subject);

        [LoggerMessage(5, LogLevel.Warning, "stack={Stack} commit={Commit} {Warning}")]
        public static partial void LoadWarning(ILogger logger, string stack, string commit, string warning);

        [LoggerMessage(8, LogLevel.Warning, "stack={Stack} commit={Commit} folder {Path} is gone from git and prune_stacks is on: removing the stack's containers")]
        public static partial void Pruning(ILogger logger, string stack, string commit, string path);

        [LoggerMessage(7, LogLevel.Warning, "stack={Stack} rolling back to the last good commit {Commit}")]
        public static partial void RollingBack(ILogger logger, string stack, string commit);

        [LoggerMessage(6, LogLevel.Warning, "stack={Stack} state store unavailable, continuing without recording: {Error}")]
        public static partial void StateUnavailable(ILogger logger, string stack, string error);

        [LoggerMessage(9, LogLevel.Information, "stack={Stack} state store writable again: the state kept in memory meanwhile is recorded")]
        public static partial void StateSaved(ILogger logger, string stack);
    }
}
