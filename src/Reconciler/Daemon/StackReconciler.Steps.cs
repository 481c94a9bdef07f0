using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Desired;
using Reconciler.Core.Planning;
using Reconciler.Core.Policy;
using Reconciler.Docker.Execution;
using Reconciler.Git;
using Reconciler.State;

namespace Reconciler.Daemon;

/// <summary>
/// The steps of a pass. Each does its I/O, notes what it found in the <see cref="PassRun"/> and
/// answers with a <see cref="StepOutcome"/>: whether that is a failure, and whose, is the policy's call.
/// </summary>
public sealed partial class StackReconciler
{
    /// <summary>Writes the commit's files to disk: containers need real files for bind mounts.</summary>
    private async Task<StepOutcome> RenderAsync(PassRun run, CancellationToken ct)
    {
        var commit = run.Convergence!.Commit;
        try
        {
            var tree = await MaterializeAsync(commit, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException("the commit has no files");
            run.StackDirectory = stack.Path == "." ? tree : Path.Combine(tree, stack.Path);
            if (Directory.Exists(run.StackDirectory)) return new Rendered();
            run.Error = $"folder {stack.Path} does not exist in commit {Short(commit)}";
            return new FolderMissing();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            run.Error = $"rendering commit {Short(commit)}: {e.Message}";
            // A file that does not decrypt is the commit's (tampered, or for other keys); an unreadable key file is the host's.
            return new RenderFailed(UnsafeTree: e is GitUnsafeTreeException or Sops.SopsException { CommitsFault: true });
        }
    }

    /// <summary>
    /// Loads the compose files into the desired state, from the cache when an earlier pass loaded
    /// this commit (<see cref="CommitLoadCache"/>); holding the last good commit pins its images.
    /// </summary>
    private async Task<StepOutcome> LoadAsync(PassRun run, CancellationToken ct)
    {
        var c = run.Convergence!;
        var (commitLoad, cached) = await LoadCommitAsync(c.Commit, run.StackDirectory!, ct).ConfigureAwait(false);
        var loaded = commitLoad.Result;
        if (!cached) foreach (var w in loaded.Warnings) Log.LoadWarning(logger, stack.Name, Short(c.Commit), w.ToString());
        if (!cached) foreach (var f in commitLoad.Policy.Warnings) Log.PolicyWarning(logger, stack.Name, Short(c.Commit), Relative(f).ToString());
        if (commitLoad.Desired is { } desired)
        {
            run.Findings = [.. commitLoad.Policy.Warnings.Select(Relative)];
            run.Desired = c.PinLastGoodImages ? PinImages(desired, run.State.LastGoodImages) : desired;
            run.Swarm = commitLoad.Swarm;
            return new Rendered();
        }
        // The first error's location goes into the record's file:line; the message keeps the rest.
        run.Error = string.Join("; ", loaded.Errors.Select((e, i) => i == 0 && e.Where is not null
            ? ((string.IsNullOrEmpty(e.KeyPath) ? "" : e.KeyPath + ": ") + e.Message).Replace(TreeDirectory + "/", "", StringComparison.Ordinal)
            : e.ToString().Replace(TreeDirectory + "/", "", StringComparison.Ordinal)));
        run.ErrorAt = loaded.Errors.FirstOrDefault()?.Where is { } where ? (Relative(where.File), where.Line) : null;
        return new LoadFailed();
    }

    /// <summary>A finding with its file relative to the repo tree, as errors are recorded.</summary>
    private Core.Guardrails.PolicyFinding Relative(Core.Guardrails.PolicyFinding f) =>
        f.Where is { } m ? f with { Where = m with { File = Relative(m.File) } } : f;

    /// <summary>Observes the engine and plans; drift is what the plan would change.</summary>
    private async Task<StepOutcome> PlanAsync(PassRun run, CancellationToken ct)
    {
        if (OnSwarm) return await PlanSwarmAsync(run, ct).ConfigureAwait(false);
        try
        {
            (run.Plan, run.Observed) = await PlanAgainstEngineAsync(run.Desired!, run.Convergence!.IsNewCommit, stack.Prune, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            run.Error = e.Message;
            return new PlanFailed();
        }
        run.Drift = DriftReport.Of(run.Plan);
        if (run.Plan.IsBlocked)
            run.Error = string.Join("; ", run.Plan.Problems.Where(p => p.Severity == ProblemSeverity.Error).Select(p => p.ToString()));
        return new Planned(run.Plan.IsEmpty, run.Plan.IsBlocked);
    }

    /// <summary>
    /// Runs the plan. A deploy opens its history row first (a crash midway leaves it unfinished,
    /// and it is marked failed at the next start); a retry of a recorded failure opens none, so a
    /// registry down for an hour leaves one failed row, not one per retry.
    /// </summary>
    private async Task<StepOutcome> ExecuteAsync(PassRun run, CancellationToken ct)
    {
        var c = run.Convergence!;
        if (c.Mode == ConvergeMode.Deploy)
        {
            // A repair of the commit that runs is not a deploy, and a retry's failure is shown already:
            // neither sets a pending status.
            if (c.IsNewCommit && !c.IsRetry) DeployStarting?.Invoke(stack.Name, c.Commit);
            if (!c.IsRetry) run.DeploymentId = await StartDeploymentAsync(c.Commit, InfoOf(run), run.Trigger, ct).ConfigureAwait(false);
            await UpdateStateAsync(s => s.Attempting(c.Commit), ct).ConfigureAwait(false);
        }
        if (OnSwarm) return await ExecuteSwarmAsync(run, ct).ConfigureAwait(false);
        var plan = run.Plan!;
        var outcome = await Executor(c.Commit).ExecuteAsync(plan.Actions, run.Desired!, ct).ConfigureAwait(false);
        run.Executions.Add(outcome);
        run.Actions = plan.Actions.Length;
        run.Done = [.. outcome.Outcomes.Where(o => o.Result == ActionResult.Done)
            .Select(o => (o.Action.Service ?? "", Tracing.ReconcilerTelemetry.ActionName(o.Action)))];
        if (outcome.Succeeded) return new Executed(null);
        var (cause, holders) = await FailureOfAsync(outcome, ct).ConfigureAwait(false);
        run.Error = string.Join("; ", [.. outcome.Failures.Select(f => $"{ServicesOf(f.Action)}: {f.Error}"), .. holders]);
        return new Executed(cause);
    }

    /// <summary>Who a failed action was for: its service, or the services a build was for.</summary>
    private static string ServicesOf(PlanAction action) =>
        action is BuildImage build ? string.Join(",", build.Services) : action.Service ?? "-";

    /// <summary>Watches the containers the plan touched (<see cref="RolloutGate"/>).</summary>
    private async Task<StepOutcome> GateAsync(PassRun run, CancellationToken ct)
    {
        if (OnSwarm) return await GateSwarmAsync(run, ct).ConfigureAwait(false);
        try
        {
            var failure = await new RolloutGate(engine.Containers, time)
                .WaitAsync(RolloutGate.Touched(run.Plan!.Actions), stack.HealthTimeout, ct).ConfigureAwait(false);
            if (failure is null) return new Gated(GateResult.Passed);
            run.Error = $"rollout failed: {failure.Service} ({failure.Container}) {failure.Reason}";
            return new Gated(failure.Disappeared ? GateResult.Disappeared : GateResult.Failed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            run.Error = $"health check interrupted: {e.Message}";
            return new Gated(GateResult.Interrupted);
        }
    }

    /// <summary>
    /// Re-applies the stack as it was at the last good commit, with the images that ran then (not
    /// whatever the tags point at now), and gates it like a deploy.
    /// </summary>
    private async Task<StepOutcome> RollBackAsync(string good, PassRun run, CancellationToken ct)
    {
        if (OnSwarm) return await RollBackSwarmAsync(good, run, ct).ConfigureAwait(false);
        try
        {
            Log.RollingBack(logger, stack.Name, Short(good));
            var tree = await MaterializeAsync(good, ct).ConfigureAwait(false);
            if (tree is null) return new RolledBack(Succeeded: false);
            var (loaded, _) = await LoadCommitAsync(good, stack.Path == "." ? tree : Path.Combine(tree, stack.Path), ct).ConfigureAwait(false);
            if (loaded.Desired is null) return new RolledBack(Succeeded: false);
            var desired = PinImages(loaded.Desired, run.State.LastGoodImages);
            var (plan, _) = await PlanAgainstEngineAsync(desired, newCommit: false, stack.Prune, ct).ConfigureAwait(false);
            if (plan.IsBlocked) return new RolledBack(Succeeded: false);
            var outcome = await Executor(good).ExecuteAsync(plan.Actions, desired, ct).ConfigureAwait(false);
            run.Executions.Add(outcome);
            var restored = outcome.Succeeded && await new RolloutGate(engine.Containers, time)
                .WaitAsync(RolloutGate.Touched(plan.Actions), stack.HealthTimeout, ct).ConfigureAwait(false) is null;
            if (restored) run.Error += $"; rolled back to {Short(good)}";
            return new RolledBack(restored);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.PassFailed(logger, stack.Name, Short(good), "rollback", e.Message);
            return new RolledBack(Succeeded: false);
        }
    }

    /// <summary>
    /// The stack's folder is gone from git and prune_stacks is on: remove its containers — only
    /// containers; its networks and named volumes stay, as everything Reconciler does keeps data.
    /// </summary>
    private async Task<StepOutcome> PruneAsync(PassRun run, CancellationToken ct)
    {
        var commit = run.Convergence!.Commit;
        return await RemoveContainersAsync(run, commit, () => Log.Pruning(logger, stack.Name, Short(commit), stack.Path), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The stack left this host's file (commit <paramref name="commit"/> of the fleet repo) and
    /// prune_stacks is on: its containers go as in <see cref="PruneAsync"/>, networks and volumes stay.
    /// Called once its loop has stopped. Returns how many containers were stopped or removed, and
    /// what failed (null when nothing did).
    /// </summary>
    public async Task<(int Removed, string? Error)> PruneRemovedAsync(string commit, string hostFile, CancellationToken ct)
    {
        var run = new PassRun(Trigger.Poll, StackState.Initial(stack.Name));
        var outcome = await RemoveContainersAsync(run, commit,
            () => Log.PruningRemoved(logger, stack.Name, Short(commit), hostFile), ct).ConfigureAwait(false);
        var removed = outcome is Pruned p ? p.Removals : 0;
        if (outcome is not Pruned { Succeeded: true }) return (removed, run.Error ?? "planning the removal failed");
        try
        {
            // Its containers are gone: added back later, it deploys afresh instead of trusting a record
            // that says its last commit is applied. Its history stays.
            await store.RemoveStackAsync(stack.Name, ct).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException e)
        {
            Log.StateUnavailable(logger, stack.Name, e.Message);
        }
        return (removed, null);
    }

    private async Task<StepOutcome> RemoveContainersAsync(PassRun run, string commit, Action logStart, CancellationToken ct)
    {
        if (OnSwarm) return await PruneSwarmAsync(run, logStart, ct).ConfigureAwait(false);
        run.Desired = new DesiredProject { Name = stack.ProjectName, WorkingDir = TreeDirectory };
        run.Error = null;
        Plan plan;
        try
        {
            (plan, _) = await PlanAgainstEngineAsync(run.Desired, newCommit: false, removeOrphans: true, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            run.Error = e.Message;
            return new PlanFailed();
        }
        var removals = plan.Actions.Where(a => a is RemoveContainer or StopContainer).ToList();
        if (removals.Count == 0) return new Pruned(0, Succeeded: true);
        logStart();
        var outcome = await Executor(commit).ExecuteAsync(removals, run.Desired, ct).ConfigureAwait(false);
        run.Executions.Add(outcome);
        run.Actions = removals.Count;
        if (!outcome.Succeeded) run.Error = string.Join("; ", outcome.Failures.Select(f => $"{f.Action.Service ?? "-"}: {f.Error}"));
        return new Pruned(removals.Count, outcome.Succeeded);
    }
}
