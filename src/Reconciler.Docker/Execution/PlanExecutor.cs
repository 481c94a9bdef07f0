using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;
using Reconciler.Core.Planning;

namespace Reconciler.Docker.Execution;

/// <summary>
/// Walks a plan: each action once its prerequisites are done, independent ones in parallel, one
/// engine call per step and no decisions of its own: a recreate runs the steps it lists, a container
/// waits for the dependency conditions its action lists, and a <c>service:x</c> mode shares the
/// container the action names (looked up here only because its id may be new). A failed action skips
/// the actions that depend on it and leaves the rest to finish, so the next run repairs from a known
/// state; nothing here ever removes a volume.
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

    /// <summary>As <see cref="ExecuteAsync(IReadOnlyList{PlanAction}, CancellationToken)"/>; the project is not read (the plan holds all the executor needs).</summary>
    public Task<ExecutionResult> ExecuteAsync(IReadOnlyList<PlanAction> actions, DesiredProject desired, CancellationToken ct) =>
        ExecuteAsync(actions, ct);

    public async Task<ExecutionResult> ExecuteAsync(IReadOnlyList<PlanAction> actions, CancellationToken ct)
    {
        var outcomes = new ConcurrentQueue<ActionOutcome>();
        var state = actions.ToDictionary(a => a.Id, _ => ActionResult.Skipped);
        var done = new HashSet<int>();
        var pending = actions.ToList();
        var running = new Dictionary<Task<ActionOutcome>, PlanAction>();
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
                    running[RunAsync(a, ct)] = a;
                }
                else if (a is CreateContainer create && CanCreateEarly(create, byId, done, state, running.Values))
                {
                    // As compose does: create now, start once the services it depends on are up.
                    var waitFor = create.DependsOn.Where(d => !done.Contains(d)).Select(d => finished[d].Task).ToArray();
                    pending.Remove(a);
                    running[RunAsync(a, ct, waitFor)] = a;
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
    /// the containers waiting for it), and it names no other container (<c>service:x</c> modes,
    /// <c>volumes_from</c>), which must exist before it can be created.
    /// </summary>
    private static bool CanCreateEarly(CreateContainer create, Dictionary<int, PlanAction> byId, HashSet<int> done,
        Dictionary<int, ActionResult> state, IEnumerable<PlanAction> running)
    {
        if (!create.Spec.Host.VolumesFrom.IsDefaultOrEmpty || !create.SharedContainers.IsEmpty) return false;
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

    private async Task<ActionOutcome> RunAsync(PlanAction action, CancellationToken ct, Task<ActionResult>[]? startAfter = null)
    {
        var watch = Stopwatch.StartNew();
        observer?.Started(action);
        try
        {
            await Task.Yield();
            if (startAfter is not null && action is CreateContainer early)
            {
                var created = await CreateAsync(early.Spec, early.ContainerName, early.SharedContainers, early.ConfigHashTemplate, ct).ConfigureAwait(false);
                var results = await Task.WhenAll(startAfter).ConfigureAwait(false);
                if (results.Any(r => r != ActionResult.Done))
                {
                    // Left created, not started: the next plan starts it once its dependencies run.
                    return new ActionOutcome(action, ActionResult.Skipped, "a prerequisite failed (container created, not started)", watch.Elapsed) { Image = created.Image };
                }
                await WaitForDependenciesAsync(early, early.Waits, ct).ConfigureAwait(false);
                await containers.StartAsync(created.Id, ct).ConfigureAwait(false);
                return new ActionOutcome(action, ActionResult.Done, null, watch.Elapsed) { Image = created.Image };
            }
            var image = await ApplyAsync(action, ct).ConfigureAwait(false);
            return new ActionOutcome(action, ActionResult.Done, null, watch.Elapsed) { Image = image };
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

    /// <summary>Carries one action out; returns the image of the container it created, or the image it pulled or built.</summary>
    private async Task<ObservedImage?> ApplyAsync(PlanAction action, CancellationToken ct)
    {
        switch (action)
        {
            case PullImage pull:
                await images.PullAsync(pull.Image, new Progress<string>(m => observer?.Progress(action, m)), ct).ConfigureAwait(false);
                // Which image the pull brought, so the host can record it as Reconciler's (image GC removes only those).
                return await images.InspectAsync(pull.Image, ct).ConfigureAwait(false);
            case BuildImage build:
                // The built image is returned like a pulled one: the host records it as Reconciler's (image GC).
                return await images.BuildAsync(build.Build, build.Tags, build.Labels,
                    new InOrder(m => observer?.Progress(action, m)), ct).ConfigureAwait(false);
            case CreateNetwork n:
                await networks.CreateAsync(n.Network, ct).ConfigureAwait(false);
                return null;
            case CreateVolume v:
                await volumes.CreateAsync(v.Volume, ct).ConfigureAwait(false);
                return null;
            case CreateContainer c:
            {
                await WaitForDependenciesAsync(c, c.Waits, ct).ConfigureAwait(false);
                var created = await CreateAsync(c.Spec, c.ContainerName, c.SharedContainers, c.ConfigHashTemplate, ct).ConfigureAwait(false);
                await containers.StartAsync(created.Id, ct).ConfigureAwait(false);
                return created.Image;
            }
            case RecreateContainer r:
                return await RecreateAsync(r, ct).ConfigureAwait(false);
            case RenameContainer rn:
                await containers.RenameAsync(rn.ContainerId, rn.ContainerName, ct).ConfigureAwait(false);
                return null;
            case StartContainer s:
                await WaitForDependenciesAsync(s, s.Waits, ct).ConfigureAwait(false);
                await containers.StartAsync(s.ContainerId, ct).ConfigureAwait(false);
                return null;
            case RestartContainer rs:
                await containers.StopAsync(rs.ContainerId, rs.StopGracePeriod, ct).ConfigureAwait(false);
                await containers.StartAsync(rs.ContainerId, ct).ConfigureAwait(false);
                return null;
            case StopContainer st:
                await containers.StopAsync(st.ContainerId, st.StopGracePeriod, ct).ConfigureAwait(false);
                return null;
            case RemoveContainer rm:
                // Anonymous volumes stay too: nothing Reconciler does deletes data.
                await containers.RemoveAsync(rm.ContainerId, removeAnonymousVolumes: false, force: true, ct).ConfigureAwait(false);
                return null;
            default:
                throw new NotSupportedException($"unknown plan action {action.GetType().Name}");
        }
    }

    /// <summary>
    /// compose's recreate, as the plan's <see cref="RecreateContainer.Steps"/> list it: the new container
    /// is created under a temporary name first, so a failure at any step leaves either the old
    /// container or both, never neither; the next plan cleans up.
    /// </summary>
    private async Task<ObservedImage> RecreateAsync(RecreateContainer r, CancellationToken ct)
    {
        await WaitForDependenciesAsync(r, r.Waits, ct).ConfigureAwait(false);
        // Steps start with CreateNew (RecreateContainer refuses any other first step), so this is set before use.
        CreatedContainer? created = null;
        foreach (var step in r.Steps)
        {
            switch (step)
            {
                case RecreateStep.CreateNew:
                    created = await CreateAsync(r.Spec with { Name = r.TemporaryName }, r.TemporaryName, r.SharedContainers, r.ConfigHashTemplate, ct).ConfigureAwait(false);
                    break;
                case RecreateStep.StartNew:
                    await containers.StartAsync(created!.Id, ct).ConfigureAwait(false);
                    break;
                case RecreateStep.WaitNewHealthy:
                    await ContainerWait.UntilHealthyAsync(containers, created!.Id, _dependencyTimeout, r.ContainerName, ct).ConfigureAwait(false);
                    break;
                case RecreateStep.StopOld:
                    await containers.StopAsync(r.ContainerId, r.StopGracePeriod, ct).ConfigureAwait(false);
                    break;
                case RecreateStep.RemoveOld:
                    await containers.RemoveAsync(r.ContainerId, removeAnonymousVolumes: false, force: true, ct).ConfigureAwait(false);
                    break;
                case RecreateStep.RenameNew:
                    await containers.RenameAsync(created!.Id, r.ContainerName, ct).ConfigureAwait(false);
                    break;
                default:
                    throw new NotSupportedException($"unknown recreate step {step}");
            }
        }
        return created!.Image;
    }

    /// <summary>Creates the container and attaches its networks; returns its id and the image it was created from.</summary>
    private async Task<CreatedContainer> CreateAsync(
        ContainerSpec spec, string name, IReadOnlyDictionary<string, string> sharedContainers, ConfigHashTemplate? hashTemplate, CancellationToken ct)
    {
        spec = await ResolveServiceReferencesAsync(spec, sharedContainers, ct).ConfigureAwait(false);
        if (hashTemplate is not null)
            spec = spec with { Labels = spec.Labels.SetItem(ComposeLabels.ConfigHash, await SharedConfigHashAsync(hashTemplate, ct).ConfigureAwait(false)) };
        var image = await images.InspectAsync(spec.Image, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"image {spec.Image} is not present on the host and was not pulled (check pull_policy)");
        // Record the exact image that runs, so a rollback can restore it by id.
        spec = spec with { Name = name, Labels = spec.Labels.SetItem(ComposeLabels.Image, image.Id) };
        var created = await containers.CreateAsync(spec, ct).ConfigureAwait(false);
        foreach (var extra in created.ConnectAfterCreate)
            await containers.ConnectNetworkAsync(created.Id, extra.NetworkName, extra.Endpoint, ct).ConfigureAwait(false);
        return new CreatedContainer(created.Id, image);
    }

    /// <summary><c>network_mode: service:db</c> (and ipc/pid) name a container of another service; the engine wants its id.</summary>
    private async Task<ContainerSpec> ResolveServiceReferencesAsync(ContainerSpec spec, IReadOnlyDictionary<string, string> sharedContainers, CancellationToken ct)
    {
        async Task<string?> Resolve(string? mode)
        {
            if (mode is null || !mode.StartsWith("service:", StringComparison.Ordinal)) return mode;
            var service = mode["service:".Length..];
            var name = sharedContainers.TryGetValue(service, out var n) ? n
                : throw new InvalidOperationException($"the plan names no container for {mode}");
            var state = await containers.InspectAsync(name, ct).ConfigureAwait(false)
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

    /// <summary>compose's config hash of a service sharing other containers: their ids are part of it.</summary>
    private async Task<string> SharedConfigHashAsync(ConfigHashTemplate template, CancellationToken ct)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (service, container) in template.Containers)
        {
            var state = await containers.InspectAsync(container, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"service {service} has no container {container} to share");
            ids[service] = state.Id;
        }
        return template.Resolve(ids.GetValueOrDefault)!;
    }

    /// <summary>The depends_on conditions the planner listed on the action, each with the dependency timeout.</summary>
    private async Task WaitForDependenciesAsync(ContainerAction action, ImmutableArray<DependencyWait> waits, CancellationToken ct)
    {
        foreach (var wait in waits)
        {
            var why = $"{action.Service} depends on {wait.Service}";
            var untilMet = wait.Condition switch
            {
                WaitCondition.Healthy => ContainerWait.UntilHealthyAsync(containers, wait.ContainerName, _dependencyTimeout, why, ct),
                WaitCondition.CompletedSuccessfully => ContainerWait.UntilCompletedAsync(containers, wait.ContainerName, _dependencyTimeout, why, ct),
                _ => throw new NotSupportedException($"unknown wait condition {wait.Condition}"),
            };
            await untilMet.ConfigureAwait(false);
        }
    }

    private sealed record CreatedContainer(string Id, ObservedImage Image);

    /// <summary>Reports on the reading thread, in order (<see cref="Progress{T}"/> posts each line to the pool): a build's output reads as the builder wrote it.</summary>
    private sealed class InOrder(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
