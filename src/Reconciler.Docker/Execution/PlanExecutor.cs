using System.Collections.Concurrent;
using System.Diagnostics;
using Reconciler.Core.Desired;
using Reconciler.Core.Planning;

namespace Reconciler.Docker.Execution;

/// <summary>
/// Walks a plan: each action once its prerequisites are done, independent ones in parallel, one
/// engine call (or the minimum) per step and no decisions of its own beyond what the engine forces
/// (resolving <c>service:x</c> to a container id, waiting for depends_on conditions). A failed
/// action skips the actions that depend on it and leaves the rest to finish, so the next run
/// repairs from a known state; nothing here ever removes a volume.
/// </summary>
public sealed class PlanExecutor(
    IDockerContainerOperations containers,
    IDockerNetworkOperations networks,
    IDockerVolumeOperations volumes,
    IDockerImageOperations images,
    IExecutionObserver? observer = null,
    int parallelism = 16,
    TimeSpan? dependencyTimeout = null)
{
    private readonly TimeSpan _dependencyTimeout = dependencyTimeout ?? TimeSpan.FromMinutes(2);

    public async Task<ExecutionResult> ExecuteAsync(IReadOnlyList<PlanAction> actions, DesiredProject desired, CancellationToken ct)
    {
        var outcomes = new ConcurrentQueue<ActionOutcome>();
        var state = actions.ToDictionary(a => a.Id, _ => ActionResult.Skipped);
        var done = new HashSet<int>();
        var pending = actions.ToList();
        var running = new Dictionary<Task<ActionOutcome>, PlanAction>();
        var context = new ExecutionContext(desired);
        var byId = actions.ToDictionary(a => a.Id);
        var finished = actions.ToDictionary(a => a.Id, _ => new TaskCompletionSource<ActionResult>(TaskCreationOptions.RunContinuationsAsynchronously));

        while (pending.Count > 0 || running.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            // Skip what depends on a failure, start what is ready.
            foreach (var a in pending.ToList())
            {
                if (a.DependsOn.Any(d => done.Contains(d) && state[d] != ActionResult.Done))
                {
                    pending.Remove(a);
                    done.Add(a.Id);
                    var skipped = new ActionOutcome(a, ActionResult.Skipped, "a prerequisite failed");
                    finished[a.Id].TrySetResult(ActionResult.Skipped);
                    outcomes.Enqueue(skipped);
                    observer?.Finished(skipped);
                    continue;
                }
                if (running.Count >= parallelism) break;
                if (a.DependsOn.All(d => done.Contains(d) || !state.ContainsKey(d)))
                {
                    pending.Remove(a);
                    running[RunAsync(a, context, ct)] = a;
                }
                else if (a is CreateContainer create && CanCreateEarly(create, byId, done, state, running.Values))
                {
                    // As compose does: create now, start once the services it depends on are up.
                    var waitFor = create.DependsOn.Where(d => !done.Contains(d)).Select(d => finished[d].Task).ToArray();
                    pending.Remove(a);
                    running[RunAsync(a, context, ct, waitFor)] = a;
                }
            }
            if (running.Count == 0)
            {
                if (pending.Count == 0) break;
                // Dependencies that can never finish (a cycle): fail loudly rather than hang.
                foreach (var a in pending)
                {
                    var o = new ActionOutcome(a, ActionResult.Failed, "unsatisfiable action dependencies");
                    finished[a.Id].TrySetResult(ActionResult.Failed);
                    outcomes.Enqueue(o);
                    observer?.Finished(o);
                }
                break;
            }
            var completed = await Task.WhenAny(running.Keys).ConfigureAwait(false);
            var outcome = await completed.ConfigureAwait(false);
            running.Remove(completed);
            state[outcome.Action.Id] = outcome.Result;
            finished[outcome.Action.Id].TrySetResult(outcome.Result);
            done.Add(outcome.Action.Id);
            outcomes.Enqueue(outcome);
            observer?.Finished(outcome);
        }
        return new ExecutionResult([.. outcomes]);
    }

    /// <summary>
    /// A container can be created before the services it depends on have started when everything
    /// else it needs is done (network, volumes, image), every unfinished prerequisite is another
    /// service's container action that is already running (so it cannot be starved of a slot by
    /// the containers waiting for it), and its spec names no other container (<c>service:x</c>
    /// modes, <c>volumes_from</c>), which must exist before it can be created.
    /// </summary>
    private static bool CanCreateEarly(CreateContainer create, Dictionary<int, PlanAction> byId, HashSet<int> done,
        Dictionary<int, ActionResult> state, IEnumerable<PlanAction> running)
    {
        var host = create.Spec.Host;
        if (!host.VolumesFrom.IsDefaultOrEmpty) return false;
        if (new[] { host.NetworkMode, host.IpcMode, host.PidMode }.Any(m => m?.StartsWith("service:", StringComparison.Ordinal) == true)) return false;
        var runningIds = running.Select(r => r.Id).ToHashSet();
        foreach (var d in create.DependsOn)
        {
            if (!byId.TryGetValue(d, out var dep)) continue;
            if (done.Contains(d))
            {
                if (state[d] != ActionResult.Done) return false;
                continue;
            }
            if (dep is not ContainerAction || dep.Service is null || dep.Service == create.Service || !runningIds.Contains(d)) return false;
        }
        return true;
    }

    private async Task<ActionOutcome> RunAsync(PlanAction action, ExecutionContext context, CancellationToken ct, Task<ActionResult>[]? startAfter = null)
    {
        var watch = Stopwatch.StartNew();
        observer?.Started(action);
        try
        {
            await Task.Yield();
            if (startAfter is not null && action is CreateContainer early)
            {
                var id = await CreateAsync(early.Spec, early.ContainerName, context, ct).ConfigureAwait(false);
                var results = await Task.WhenAll(startAfter).ConfigureAwait(false);
                if (results.Any(r => r != ActionResult.Done))
                {
                    // Left created, not started: the next plan starts it once its dependencies run.
                    return new ActionOutcome(action, ActionResult.Skipped, "a prerequisite failed (container created, not started)", watch.Elapsed);
                }
                await WaitForDependenciesAsync(early.Service, context, ct).ConfigureAwait(false);
                await containers.StartAsync(id, ct).ConfigureAwait(false);
                return new ActionOutcome(action, ActionResult.Done, null, watch.Elapsed);
            }
            await ApplyAsync(action, context, ct).ConfigureAwait(false);
            return new ActionOutcome(action, ActionResult.Done, null, watch.Elapsed);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return new ActionOutcome(action, ActionResult.Failed, e.Message, watch.Elapsed) { Failure = ActionFailure.Of(e) };
        }
    }

    private async Task ApplyAsync(PlanAction action, ExecutionContext context, CancellationToken ct)
    {
        switch (action)
        {
            case PullImage pull:
                await images.PullAsync(pull.Image, new Progress<string>(m => observer?.Progress(action, m)), ct).ConfigureAwait(false);
                break;
            case CreateNetwork n:
                await networks.CreateAsync(n.Network, ct).ConfigureAwait(false);
                break;
            case CreateVolume v:
                await volumes.CreateAsync(v.Volume, ct).ConfigureAwait(false);
                break;
            case CreateContainer c:
            {
                await WaitForDependenciesAsync(c.Service, context, ct).ConfigureAwait(false);
                var id = await CreateAsync(c.Spec, c.ContainerName, context, ct).ConfigureAwait(false);
                await containers.StartAsync(id, ct).ConfigureAwait(false);
                break;
            }
            case RecreateContainer r:
                await RecreateAsync(r, context, ct).ConfigureAwait(false);
                break;
            case RenameContainer rn:
                await containers.RenameAsync(rn.ContainerId, rn.ContainerName, ct).ConfigureAwait(false);
                break;
            case StartContainer s:
                await WaitForDependenciesAsync(s.Service, context, ct).ConfigureAwait(false);
                await containers.StartAsync(s.ContainerId, ct).ConfigureAwait(false);
                break;
            case RestartContainer rs:
                await containers.StopAsync(rs.ContainerId, rs.StopGracePeriod, ct).ConfigureAwait(false);
                await containers.StartAsync(rs.ContainerId, ct).ConfigureAwait(false);
                break;
            case StopContainer st:
                await containers.StopAsync(st.ContainerId, st.StopGracePeriod, ct).ConfigureAwait(false);
                break;
            case RemoveContainer rm:
                // Anonymous volumes stay too: nothing Reconciler does deletes data.
                await containers.RemoveAsync(rm.ContainerId, removeAnonymousVolumes: false, force: true, ct).ConfigureAwait(false);
                break;
            default:
                throw new NotSupportedException($"unknown plan action {action.GetType().Name}");
        }
    }

    /// <summary>
    /// compose's recreate: the new container is created under a temporary name first, so a failure
    /// at any step leaves either the old container or both, never neither; the next plan cleans up.
    /// </summary>
    private async Task RecreateAsync(RecreateContainer r, ExecutionContext context, CancellationToken ct)
    {
        await WaitForDependenciesAsync(r.Service, context, ct).ConfigureAwait(false);
        string? newId = null;
        var steps = r.Steps.IsDefaultOrEmpty
            ? (r.Order == UpdateOrder.StartFirst
                ? [RecreateStep.CreateNew, RecreateStep.StartNew, RecreateStep.WaitNewHealthy, RecreateStep.StopOld, RecreateStep.RemoveOld, RecreateStep.RenameNew]
                : new[] { RecreateStep.CreateNew, RecreateStep.StopOld, RecreateStep.RemoveOld, RecreateStep.RenameNew, RecreateStep.StartNew })
            : r.Steps.ToArray();
        foreach (var step in steps)
        {
            switch (step)
            {
                case RecreateStep.CreateNew:
                    newId = await CreateAsync(r.Spec with { Name = r.TemporaryName }, r.TemporaryName, context, ct).ConfigureAwait(false);
                    break;
                case RecreateStep.StartNew:
                    await containers.StartAsync(newId!, ct).ConfigureAwait(false);
                    break;
                case RecreateStep.WaitNewHealthy:
                    await ContainerWait.UntilHealthyAsync(containers, newId!, _dependencyTimeout, r.ContainerName, ct).ConfigureAwait(false);
                    break;
                case RecreateStep.StopOld:
                    await containers.StopAsync(r.ContainerId, r.StopGracePeriod, ct).ConfigureAwait(false);
                    break;
                case RecreateStep.RemoveOld:
                    await containers.RemoveAsync(r.ContainerId, removeAnonymousVolumes: false, force: true, ct).ConfigureAwait(false);
                    break;
                case RecreateStep.RenameNew:
                    await containers.RenameAsync(newId!, r.ContainerName, ct).ConfigureAwait(false);
                    break;
            }
        }
    }

    private async Task<string> CreateAsync(ContainerSpec spec, string name, ExecutionContext context, CancellationToken ct)
    {
        spec = await ResolveServiceReferencesAsync(spec, context, ct).ConfigureAwait(false);
        var image = await images.InspectAsync(spec.Image, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"image {spec.Image} is not present on the host and was not pulled (check pull_policy)");
        // Record the exact image that runs, so a rollback can restore it by id.
        spec = spec with { Name = name, Labels = spec.Labels.SetItem(ComposeLabels.Image, image.Id) };
        var created = await containers.CreateAsync(spec, ct).ConfigureAwait(false);
        foreach (var extra in created.ConnectAfterCreate)
            await containers.ConnectNetworkAsync(created.Id, extra.NetworkName, extra.Endpoint, ct).ConfigureAwait(false);
        return created.Id;
    }

    /// <summary><c>network_mode: service:db</c> (and ipc/pid) name a container of another service; the engine wants its id.</summary>
    private async Task<ContainerSpec> ResolveServiceReferencesAsync(ContainerSpec spec, ExecutionContext context, CancellationToken ct)
    {
        async Task<string?> Resolve(string? mode)
        {
            if (mode is null || !mode.StartsWith("service:", StringComparison.Ordinal)) return mode;
            var service = mode["service:".Length..];
            var target = context.Desired.Services.TryGetValue(service, out var s) ? s.Template.Name : service;
            var state = await containers.InspectAsync(target, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"service {service} has no container to share ({mode})");
            return "container:" + state.Id;
        }
        var host = spec.Host with
        {
            NetworkMode = (await Resolve(spec.Host.NetworkMode).ConfigureAwait(false))!,
            IpcMode = await Resolve(spec.Host.IpcMode).ConfigureAwait(false),
            PidMode = await Resolve(spec.Host.PidMode).ConfigureAwait(false),
        };
        return spec with { Host = host };
    }

    /// <summary>depends_on conditions: service_healthy and service_completed_successfully wait, with a timeout.</summary>
    private async Task WaitForDependenciesAsync(string? service, ExecutionContext context, CancellationToken ct)
    {
        if (service is null || !context.Desired.Services.TryGetValue(service, out var desired)) return;
        foreach (var (dep, d) in desired.DependsOn)
        {
            if (d.Condition == "service_started" || !context.Desired.Services.TryGetValue(dep, out var depService)) continue;
            var name = depService.Template.Name;
            if (d.Condition == "service_healthy")
                await ContainerWait.UntilHealthyAsync(containers, name, _dependencyTimeout, $"{service} depends on {dep}", ct).ConfigureAwait(false);
            else if (d.Condition == "service_completed_successfully")
                await ContainerWait.UntilCompletedAsync(containers, name, _dependencyTimeout, $"{service} depends on {dep}", ct).ConfigureAwait(false);
        }
    }

    private sealed record ExecutionContext(DesiredProject Desired);
}
