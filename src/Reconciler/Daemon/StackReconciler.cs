using Reconciler.Core.Policy;
using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Desired;
using Reconciler.Core.Planning;
using Reconciler.Docker;
using Reconciler.Docker.Execution;
using Reconciler.Git;
using Reconciler.State;

namespace Reconciler.Daemon;

/// <summary>
/// One reconcile pass of one stack: pick the commit to run, render its files, load, plan against
/// the engine, apply (unless suspended, or only drift is due and self-heal is off), and record the
/// outcome. A bad commit never touches what runs: loading or planning fails before any action, the
/// commit is marked failed and not retried until a newer one arrives. Never throws but for cancellation.
/// </summary>
public sealed partial class StackReconciler(
    StackConfig stack,
    bool pruneStacks,
    GitRepositoryMirror mirror,
    DockerEngine engine,
    IStateStore store,
    string stateDir,
    TimeProvider time,
    ILogger logger) : IStackPass
{
    private readonly CommitLoadCache _loads = new();

    public StackConfig Stack => stack;

    /// <summary>Where the stack's repo tree is rendered; stable across commits so bind mounts keep their paths.</summary>
    public string TreeDirectory => Path.Combine(stateDir, "stacks", stack.Name, "tree");

    public async Task<StackPassResult> ReconcileAsync(Trigger trigger, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        StackPassResult Result(PassOutcome outcome, string? commit, string? error = null, string? phase = null, int actions = 0,
            IReadOnlyList<DriftItem>? drift = null, IReadOnlyList<(string, string)>? done = null) => new()
        {
            Stack = stack.Name, Commit = commit, Outcome = outcome, Error = error, FailedPhase = phase, Actions = actions,
            Drift = drift ?? [], Duration = watch.Elapsed, Done = done ?? [],
        };

        var head = mirror.GetLocalHead();
        if (head is null) return Result(PassOutcome.Waiting, null, "waiting for the first fetch of the repo");
        var state = await SafeGetStateAsync(ct).ConfigureAwait(false);
        var suspended = stack.Suspend || state.Suspended;

        // A commit that failed is not retried until a newer one arrives; meanwhile the last
        // applied commit stays the target, so self-heal keeps the running version whole.
        var target = head;
        if (state.IsFailedCommit(head) && state.LastAppliedCommit is { } applied) target = applied;
        else if (state.IsFailedCommit(head)) return Result(PassOutcome.Failed, head, state.LastError?.ToString(), "load") with { Repeated = true };

        var isNewCommit = target != state.LastAppliedCommit;
        var applyAllowed = !suspended && (isNewCommit || trigger != Trigger.Drift || stack.SelfHeal);

        GitCommitInfo? info = null;
        try { info = target == head ? mirror.GetCommit(target) : null; } catch (GitException) { }

        // Render the commit's files: containers need real files for bind mounts.
        var fetchStarted = Observability.ReconcilerTelemetry.PhaseStart(); // Observability: span "fetch" (the commit's files from the mirror)
        string stackDir;
        try
        {
            var tree = await mirror.MaterializeAsync(target, "", TreeDirectory, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException("the commit has no files");
            stackDir = stack.Path == "." ? tree : Path.Combine(tree, stack.Path);
            if (!Directory.Exists(stackDir) && pruneStacks && !suspended)
                return await PruneStackAsync(target, state, info, trigger, ct).ConfigureAwait(false);
            if (!Directory.Exists(stackDir))
                return await FailAsync(Result(PassOutcome.Failed, target, $"folder {stack.Path} does not exist in commit {Short(target)}", "load"),
                    state, info, trigger, blockCommit: isNewCommit, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A tree that could escape its directory is the commit's own fault; a full disk is not.
            return await FailAsync(Result(PassOutcome.Failed, target, $"rendering commit {Short(target)}: {e.Message}", "load"),
                state, info, trigger, blockCommit: e is GitUnsafeTreeException, ct).ConfigureAwait(false);
        }

        Observability.ReconcilerTelemetry.Phase("fetch", stack.Name, target, fetchStarted); // Observability
        var loadStarted = Observability.ReconcilerTelemetry.PhaseStart(); // Observability
        var (commitLoad, cached) = await LoadAsync(target, stackDir, ct).ConfigureAwait(false);
        var loaded = commitLoad.Result;
        Observability.ReconcilerTelemetry.Phase("load", stack.Name, target, loadStarted, loaded.Project is null ? "invalid compose project" : null); // Observability
        if (!cached) foreach (var w in loaded.Warnings) Log.LoadWarning(logger, stack.Name, Short(target), w.ToString());
        if (loaded.Project is null)
        {
            var first = loaded.Errors.FirstOrDefault();
            // The first error's location goes into the record's file:line; the message keeps the rest.
            var message = string.Join("; ", loaded.Errors.Select((e, i) => i == 0 && e.Where is not null
                ? ((string.IsNullOrEmpty(e.KeyPath) ? "" : e.KeyPath + ": ") + e.Message).Replace(TreeDirectory + "/", "", StringComparison.Ordinal)
                : e.ToString().Replace(TreeDirectory + "/", "", StringComparison.Ordinal)));
            return await FailAsync(Result(PassOutcome.Failed, target, message, "load"), state, info, trigger, blockCommit: isNewCommit, ct,
                first?.Where is { } where ? (Relative(where.File), where.Line) : null).ConfigureAwait(false);
        }

        var desired = commitLoad.Desired!;
        // Holding the last good commit (the head failed): keep the exact images that ran then.
        if (target != head && target == state.LastGoodCommit) desired = PinImages(desired, state.LastGoodImages);
        var planStarted = Observability.ReconcilerTelemetry.PhaseStart(); // Observability
        Plan plan;
        try
        {
            plan = await PlanAsync(desired, isNewCommit, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return await FailAsync(Result(PassOutcome.Failed, target, e.Message, "plan"), state, info, trigger, blockCommit: false, ct).ConfigureAwait(false);
        }
        var drift = DriftOf(plan);
        Observability.ReconcilerTelemetry.Phase("plan", stack.Name, target, planStarted, plan.IsBlocked ? "plan blocked" : null); // Observability
        if (plan.IsBlocked)
        {
            var message = string.Join("; ", plan.Problems.Where(p => p.Severity == ProblemSeverity.Error).Select(p => p.ToString()));
            return await FailAsync(Result(PassOutcome.Failed, target, message, "plan", drift: drift), state, info, trigger, blockCommit: isNewCommit, ct).ConfigureAwait(false);
        }
        if (target != head)
        {
            // Holding the last good commit while the head is broken: heal it, but keep the head's failure visible.
            if (!plan.IsEmpty && applyAllowed)
            {
                var kept = await new PlanExecutor(engine.Containers, engine.Networks, engine.Volumes, engine.Images,
                    new LoggingObserver(logger, stack.Name, Short(target)), dependencyTimeout: stack.HealthTimeout)
                    .ExecuteAsync(plan.Actions, desired, ct).ConfigureAwait(false);
                await RecordPullsAsync(kept, ct).ConfigureAwait(false);
                // A repair that failed (engine, a port taken) is retried; the head's own failure is not.
                return Result(PassOutcome.Failed, head, state.LastError?.ToString(), "load",
                    plan.Actions.Length, drift) with { Transient = !kept.Succeeded, Held = true, Repeated = kept.Succeeded };
            }
            return Result(PassOutcome.Failed, head, state.LastError?.ToString(), "load", drift: drift) with { Held = true, Repeated = true };
        }
        if (plan.IsEmpty)
        {
            await RecordSuccessAsync(target, DeploymentResult.Noop, desired, state, info, trigger, 0, ct, record: isNewCommit).ConfigureAwait(false);
            return Result(suspended ? PassOutcome.Suspended : PassOutcome.Noop, target);
        }
        if (!applyAllowed)
        {
            await UpdateStateAsync(s => s.OutOfSync(Summary(drift)), ct).ConfigureAwait(false);
            return Result(suspended ? PassOutcome.Suspended : PassOutcome.DriftReported, target, drift: drift);
        }

        // A retry of a commit whose failure is recorded already gets no row of its own up front: a
        // row is added only if it ends differently (applied, or another error), so a registry that
        // is down for an hour leaves one failed row, not one per retry.
        var retry = state.LastError?.Commit == target;
        long? deployment = retry ? null : await StartDeploymentAsync(target, info, trigger, ct).ConfigureAwait(false);
        await UpdateStateAsync(s => s.Attempting(target), ct).ConfigureAwait(false);
        var executor = new PlanExecutor(engine.Containers, engine.Networks, engine.Volumes, engine.Images,
            Observability.ReconcilerTelemetry.TraceActions(new LoggingObserver(logger, stack.Name, Short(target)), stack.Name, target), // Observability: a span per action
            dependencyTimeout: stack.HealthTimeout);
        var outcome = await executor.ExecuteAsync(plan.Actions, desired, ct).ConfigureAwait(false);
        await RecordPullsAsync(outcome, ct).ConfigureAwait(false);
        var done = outcome.Outcomes.Where(o => o.Result == ActionResult.Done).Select(o => (o.Action.Service ?? "", Observability.ReconcilerTelemetry.ActionName(o.Action))).ToList();
        if (!outcome.Succeeded)
        {
            var message = await NamePortHoldersAsync(
                string.Join("; ", outcome.Failures.Select(f => $"{f.Action.Service ?? "-"}: {f.Error}")), ct).ConfigureAwait(false);
            // A failed action is often the engine or registry (transient): the commit stays eligible.
            // An image the registry does not have is the commit's own fault: hammering it cannot help
            // (the pull comes before any container is touched, so what runs keeps running).
            var missingImage = outcome.Failures.Any(IsMissingImage);
            var failed = Result(PassOutcome.Failed, target, message, "apply", plan.Actions.Length, drift, done);
            return await FailAsync(failed, state, info, trigger, blockCommit: missingImage, ct, deploymentId: deployment).ConfigureAwait(false);
        }
        RolloutGate.Failure? failure;
        try
        {
            failure = await new RolloutGate(engine.Containers, time).WaitAsync(RolloutGate.Touched(plan.Actions), stack.HealthTimeout, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The engine went away while the gate watched: not the commit's fault, so not marked
            // failed; the retry (or the next drift pass) finds out how the containers are.
            var lost = Result(PassOutcome.Failed, target, $"health check interrupted: {e.Message}", "health", plan.Actions.Length, drift, done);
            return await FailAsync(lost, state, info, trigger, blockCommit: false, ct, deploymentId: deployment).ConfigureAwait(false);
        }
        if (failure is not null)
        {
            var why = $"rollout failed: {failure.Service} ({failure.Container}) {failure.Reason}";
            // The commit itself is bad (its containers don't come up): rolled back and not retried until a
            // newer one arrives — unless a container was removed by hand meanwhile, which the next drift
            // pass repairs. With no earlier good commit to hold instead (a first deploy), blocking it would
            // leave the stack down for good over what may be a `docker kill`: it is retried, backing off.
            var commitsFault = !failure.Disappeared && state.LastGoodCommit is { } good && good != target;
            var rolledBack = commitsFault && stack.Rollback == "auto"
                && await RollBackAsync(state.LastGoodCommit!, state.LastGoodImages, ct).ConfigureAwait(false);
            var failed = Result(PassOutcome.Failed, target, why + (rolledBack ? $"; rolled back to {Short(state.LastGoodCommit!)}" : ""), "health",
                plan.Actions.Length, drift, done) with { RolledBack = rolledBack };
            return await FailAsync(failed, state, info, trigger, blockCommit: commitsFault, ct, deploymentId: deployment,
                result2: rolledBack ? DeploymentResult.RolledBack : DeploymentResult.Failed,
                appliedCommit: rolledBack ? state.LastGoodCommit : null).ConfigureAwait(false);
        }
        await RecordSuccessAsync(target, DeploymentResult.Applied, desired, state, info, trigger, plan.Actions.Length, ct, deployment).ConfigureAwait(false);
        return Result(PassOutcome.Applied, target, actions: plan.Actions.Length, drift: drift, done: done);
    }

    /// <summary>
    /// The stack's folder is gone from git and prune_stacks is on: remove its containers — only
    /// containers; its networks and named volumes stay, as everything Reconciler does keeps data.
    /// </summary>
    private async Task<StackPassResult> PruneStackAsync(string commit, StackState state, GitCommitInfo? info, Trigger trigger, CancellationToken ct)
    {
        var empty = new DesiredProject { Name = stack.ProjectName, WorkingDir = TreeDirectory };
        var plan = await PlanAsync(empty, newCommit: false, ct, removeOrphans: true).ConfigureAwait(false);
        var removals = plan.Actions.Where(a => a is RemoveContainer or StopContainer).ToList();
        if (removals.Count == 0)
        {
            await RecordSuccessAsync(commit, DeploymentResult.Noop, empty, state, info, trigger, 0, ct).ConfigureAwait(false);
            return new StackPassResult { Stack = stack.Name, Commit = commit, Outcome = PassOutcome.Noop };
        }
        Log.Pruning(logger, stack.Name, Short(commit), stack.Path);
        var outcome = await new PlanExecutor(engine.Containers, engine.Networks, engine.Volumes, engine.Images,
            new LoggingObserver(logger, stack.Name, Short(commit))).ExecuteAsync(removals, empty, ct).ConfigureAwait(false);
        await RecordSuccessAsync(commit, DeploymentResult.Applied, empty, state, info, trigger, removals.Count, ct).ConfigureAwait(false);
        return new StackPassResult
        {
            Stack = stack.Name, Commit = commit, Outcome = outcome.Succeeded ? PassOutcome.Applied : PassOutcome.Failed,
            Actions = removals.Count, Error = outcome.Succeeded ? null : string.Join("; ", outcome.Failures.Select(f => f.Error)),
            FailedPhase = outcome.Succeeded ? null : "apply",
        };
    }

    /// <summary>
    /// Re-applies the stack as it was at the last good commit, with the image ids that ran then
    /// (not whatever the tags point at now). Returns whether the host converged back.
    /// </summary>
    private async Task<bool> RollBackAsync(string good, IReadOnlyDictionary<string, string> images, CancellationToken ct)
    {
        try
        {
            Log.RollingBack(logger, stack.Name, Short(good));
            var tree = await mirror.MaterializeAsync(good, "", TreeDirectory, ct).ConfigureAwait(false);
            if (tree is null) return false;
            var (loaded, _) = await LoadAsync(good, stack.Path == "." ? tree : Path.Combine(tree, stack.Path), ct).ConfigureAwait(false);
            if (loaded.Desired is null) return false;
            var desired = PinImages(loaded.Desired, images);
            var plan = await PlanAsync(desired, newCommit: false, ct).ConfigureAwait(false);
            if (plan.IsBlocked) return false;
            var outcome = await new PlanExecutor(engine.Containers, engine.Networks, engine.Volumes, engine.Images,
                new LoggingObserver(logger, stack.Name, Short(good)), dependencyTimeout: stack.HealthTimeout)
                .ExecuteAsync(plan.Actions, desired, ct).ConfigureAwait(false);
            await RecordPullsAsync(outcome, ct).ConfigureAwait(false);
            if (!outcome.Succeeded) return false;
            var failure = await new RolloutGate(engine.Containers, time).WaitAsync(RolloutGate.Touched(plan.Actions), stack.HealthTimeout, ct).ConfigureAwait(false);
            return failure is null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.PassFailed(logger, stack.Name, Short(good), "rollback", e.Message);
            return false;
        }
    }

    /// <summary>
    /// The commit's load, from the cache when an earlier pass loaded it: the files of a commit do not
    /// change, so drift passes do not read and parse them again (<see cref="CommitLoadCache"/>).
    /// </summary>
    private async Task<(LoadedCommit Loaded, bool Cached)> LoadAsync(string commit, string stackDir, CancellationToken ct)
    {
        var fresh = false;
        var loaded = await _loads.GetAsync(commit, CommitLoadCache.HostFilesFingerprint(stack.HostFiles), () =>
        {
            fresh = true;
            return StackLoading.Load(stack, TreeDirectory, stackDir, commit, StackLoading.ProcessEnvironment());
        }, ct).ConfigureAwait(false);
        return (loaded, !fresh);
    }

    /// <summary>Services pinned to the image ids they ran at the last good commit.</summary>
    internal static DesiredProject PinImages(DesiredProject desired, IReadOnlyDictionary<string, string> images) =>
        desired with
        {
            Services = desired.Services.ToImmutableSortedDictionary(kv => kv.Key, kv =>
                images.TryGetValue(kv.Key, out var id) && id.Length > 0
                    ? kv.Value with { Image = id, PullPolicy = "never", Template = kv.Value.Template with { Image = id } }
                    : kv.Value, StringComparer.Ordinal),
        };

    private async Task<Plan> PlanAsync(DesiredProject desired, bool newCommit, CancellationToken ct, bool? removeOrphans = null)
    {
        var observed = await engine.State.ReadAsync(desired.Name, Planner.WantedContainerNames(desired), ct,
            [.. desired.Networks.Values.Select(n => n.Name), .. desired.ExternalNetworks, .. desired.Volumes.Values.Select(v => v.Name), .. desired.ExternalVolumes])
            .ConfigureAwait(false);
        return Planner.Plan(desired, observed, new PlanOptions
        {
            Now = time.GetUtcNow(),
            RemoveOrphans = removeOrphans ?? stack.Prune,
            PullAlways = newCommit,
            // The stack's state as this pass knows it (read at its start, plus the pulls it recorded).
            LastPulled = _known?.LastPulled ?? ImmutableSortedDictionary<string, DateTimeOffset>.Empty,
        });
    }

    /// <summary>Drift as the dashboard shows it: per container, a reason and the fields that differ.</summary>
    internal static IReadOnlyList<DriftItem> DriftOf(Plan plan) =>
    [
        .. plan.Actions.OfType<ContainerAction>().Select(a => new DriftItem(a.Service ?? "", a switch
        {
            CreateContainer => "missing",
            StartContainer => "stopped",
            RecreateContainer r when r.Reason.StartsWith("image", StringComparison.Ordinal) => "image",
            RecreateContainer => "config",
            RemoveContainer r when r.Reason.Contains("removed from", StringComparison.Ordinal) => "orphan",
            _ => "config",
        }, a is RecreateContainer rc ? [.. rc.Changes.Select(c => c.Path.Split('.', '[')[0]).Distinct()] : [])),
        .. plan.Problems.Where(p => p.Kind == ProblemKind.NameConflict).Select(p => new DriftItem(p.Service ?? "", "unmanaged_conflict", [])),
    ];

    private static string Summary(IReadOnlyList<DriftItem> drift) =>
        drift.Count == 0 ? "in sync" : string.Join(", ", drift.Select(d => $"{d.Service}: {d.Reason}{(d.Fields.Count > 0 ? " (" + string.Join(", ", d.Fields) + ")" : "")}"));

    private string Relative(string file) => file.StartsWith(TreeDirectory + "/", StringComparison.Ordinal) ? file[(TreeDirectory.Length + 1)..] : file;

    internal static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;
}
