using Reconciler.Core.Policy;
using Reconciler.Core.Swarm;

namespace Reconciler.Daemon;

/// <summary>
/// The steps of a pass for a stack with <c>engine: swarm</c>: the same render, load and policy as on
/// a host, with the plan, apply, health, rollback and prune steps going to the Swarm engine
/// (observe → <see cref="SwarmPlanner"/> → execute) instead of the container engine.
/// </summary>
public sealed partial class StackReconciler
{
    private bool OnSwarm => stack.Engine == Configuration.StackEngine.Swarm;

    private Docker.Swarm.SwarmEngine SwarmOrThrow =>
        swarm ?? throw new InvalidOperationException("the stack has engine: swarm but the daemon has no Swarm engine for it");

    private async Task<StepOutcome> PlanSwarmAsync(PassRun run, CancellationToken ct)
    {
        try
        {
            // Holding the last good commit keeps the images it ran, as on a host.
            var pins = run.Convergence!.PinLastGoodImages ? SwarmImagePins.For(run.Swarm!, run.State.LastGoodImages) : null;
            (run.SwarmPlan, run.ObservedSwarm) = await PlanSwarmAgainstEngineAsync(run.Swarm!, ct, pins).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            run.Error = e.Message;
            return new PlanFailed();
        }
        var plan = run.SwarmPlan;
        run.Drift = SwarmDrift(plan);
        if (plan.IsBlocked) run.Error = string.Join("; ", plan.Problems);
        return new Planned(plan.Actions.IsEmpty, plan.IsBlocked);
    }

    private async Task<(SwarmPlan, ObservedSwarm)> PlanSwarmAgainstEngineAsync(SwarmStack desired, CancellationToken ct,
        IReadOnlyDictionary<string, string>? pins = null)
    {
        var observed = await SwarmOrThrow.ObserveAsync(desired, resolveImages: true, ct, pins).ConfigureAwait(false);
        return (SwarmPlanner.Plan(desired, observed, stack.Prune), observed);
    }

    /// <summary>Drift per service, as the dashboard shows it for containers: the changed fields' first path segment.</summary>
    private static IReadOnlyList<DriftItem> SwarmDrift(SwarmPlan plan) =>
    [
        .. plan.Actions.Select(a => a switch
        {
            CreateSwarmService c => new DriftItem(c.Spec.Name, "missing", []),
            UpdateSwarmService u => new DriftItem(u.Spec.Name, "config", [.. u.Changes.Select(c => c.Split(':')[0]).Select(Field).Distinct()]),
            RemoveSwarmService r => new DriftItem(r.Name, "orphan", []),
            _ => null,
        }).OfType<DriftItem>(),
    ];

    /// <summary>"TaskTemplate.ContainerSpec.Env[0]" → "ContainerSpec.Env": enough to say what kind of change it is.</summary>
    private static string Field(string path)
    {
        var parts = path.Split('.');
        var start = parts[0] == "TaskTemplate" && parts.Length > 2 ? 1 : 0;
        return string.Join('.', parts.Skip(start).Take(2)).Split('[')[0];
    }

    private async Task<StepOutcome> ExecuteSwarmAsync(PassRun run, CancellationToken ct)
    {
        var plan = run.SwarmPlan!;
        var execution = await SwarmOrThrow.ExecuteAsync(plan, run.ObservedSwarm!, ct).ConfigureAwait(false);
        run.Actions = plan.Actions.Length;
        run.SwarmChanged = true;
        run.Done = [.. execution.Outcomes.Where(o => o.Error is null).Select(o => (ServiceOf(o.Action), VerbOf(o.Action)))];
        foreach (var o in execution.Outcomes) Log.SwarmAction(logger, stack.Name, o.Action.Describe(), o.Error ?? "done");
        if (execution.Succeeded) return new Executed(null);
        // The engine refusing a spec it was sent, or being away: retried with backoff like a host engine's failure.
        run.Error = string.Join("; ", execution.Failures.Select(f => f.Error));
        return new Executed(FailureCause.Transient);
    }

    private static string ServiceOf(SwarmAction a) => a switch
    {
        CreateSwarmService c => c.Spec.Name,
        UpdateSwarmService u => u.Spec.Name,
        RemoveSwarmService r => r.Name,
        _ => "",
    };

    private static string VerbOf(SwarmAction a) => a switch
    {
        CreateSwarmNetwork => "create_network",
        CreateSwarmObject => "create_object",
        CreateSwarmService => "create_service",
        UpdateSwarmService => "update_service",
        RemoveSwarmService => "remove_service",
        RemoveSwarmObject => "remove_object",
        _ => "other",
    };

    /// <summary>Every service the plan created or updated must finish its rollout within health_timeout.</summary>
    private async Task<StepOutcome> GateSwarmAsync(PassRun run, CancellationToken ct)
    {
        var touched = Touched(run.SwarmPlan!);
        if (touched.Count == 0) return new Gated(GateResult.Passed);
        try
        {
            var failure = await SwarmOrThrow.WaitForRolloutAsync(touched, stack.HealthTimeout, ct).ConfigureAwait(false);
            if (failure is null) return new Gated(GateResult.Passed);
            run.Error = $"rollout failed: {failure}";
            return new Gated(GateResult.Failed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            run.Error = $"health check interrupted: {e.Message}";
            return new Gated(GateResult.Interrupted);
        }
    }

    private static List<string> Touched(SwarmPlan plan) =>
        [.. plan.Actions.Select(a => a switch { CreateSwarmService c => c.Spec.Name, UpdateSwarmService u => u.Spec.Name, _ => null }).OfType<string>()];

    /// <summary>
    /// The last good commit's stack converged again, at the digests it ran then (not wherever its tags
    /// point now), and gated like a deploy.
    /// </summary>
    private async Task<StepOutcome> RollBackSwarmAsync(string good, PassRun run, CancellationToken ct)
    {
        try
        {
            Log.RollingBack(logger, stack.Name, Short(good));
            var tree = await MaterializeAsync(good, ct).ConfigureAwait(false);
            if (tree is null) return new RolledBack(Succeeded: false);
            var (loaded, _) = await LoadCommitAsync(good, stack.Path == "." ? tree : Path.Combine(tree, stack.Path), ct).ConfigureAwait(false);
            if (loaded.Swarm is null) return new RolledBack(Succeeded: false);
            var (plan, observed) = await PlanSwarmAgainstEngineAsync(loaded.Swarm, ct,
                SwarmImagePins.For(loaded.Swarm, run.State.LastGoodImages)).ConfigureAwait(false);
            if (plan.IsBlocked) return new RolledBack(Succeeded: false);
            run.SwarmChanged = true;
            var execution = await SwarmOrThrow.ExecuteAsync(plan, observed, ct).ConfigureAwait(false);
            var restored = execution.Succeeded
                && await SwarmOrThrow.WaitForRolloutAsync(Touched(plan), stack.HealthTimeout, ct).ConfigureAwait(false) is null;
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
    /// The services as the pass leaves them, for the replicas gauge and task restarts: read again when
    /// a step sent the engine anything (so the gauge shows the rollout's result, not what the plan
    /// started from), else the observation the plan was made from. A failed read leaves them unknown:
    /// the gauges keep their last values rather than show a guess.
    /// </summary>
    private async Task ReadSwarmTasksAsync(PassRun run, CancellationToken ct)
    {
        if (!run.SwarmChanged)
        {
            if (run.ObservedSwarm is { Role: SwarmRole.Manager } observed)
                run.SwarmTasks = [.. observed.Services.Values.Select(s => new SwarmServiceTasks(s.Name, s.DesiredTasks, s.Tasks))];
            return;
        }
        try
        {
            run.SwarmTasks = await SwarmOrThrow.ReadTasksAsync(stack.ProjectName, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.SwarmAction(logger, stack.Name, "read tasks after the pass", e.Message);
        }
    }

    /// <summary>The stack's folder left git (prune_stacks): its services go; its secrets and configs with them; volumes stay.</summary>
    private async Task<StepOutcome> PruneSwarmAsync(PassRun run, Action logStart, CancellationToken ct)
    {
        try
        {
            var (plan, observed) = await PlanSwarmAgainstEngineAsync(new SwarmStack { Name = stack.ProjectName }, ct).ConfigureAwait(false);
            var removals = plan with { Actions = [.. plan.Actions.Where(a => a is RemoveSwarmService or RemoveSwarmObject)] };
            var services = removals.Actions.Count(a => a is RemoveSwarmService);
            if (removals.Actions.IsEmpty) return new Pruned(0, Succeeded: true);
            logStart();
            run.SwarmChanged = true;
            var execution = await SwarmOrThrow.ExecuteAsync(removals, observed, ct).ConfigureAwait(false);
            run.Actions = removals.Actions.Length;
            if (!execution.Succeeded) run.Error = string.Join("; ", execution.Failures.Select(f => f.Error));
            return new Pruned(services, execution.Succeeded);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            run.Error = e.Message;
            return new PlanFailed();
        }
    }
}
