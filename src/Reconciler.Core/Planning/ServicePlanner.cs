using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;

namespace Reconciler.Core.Planning;

/// <summary>What planning one service produced: chains of actions, each chain on one container and sequential.</summary>
internal sealed record ServiceOutcome(IReadOnlyList<IReadOnlyList<PlanAction>> Chains, bool Recreated, bool CreatesContainers);

/// <summary>
/// Plans one service's containers: replicas <c>1..Replicas</c> wanted, each container judged by
/// config hash, image and state. Emits, per replica number, one chain of
/// <see cref="StopContainer"/>/<see cref="RemoveContainer"/> (duplicates, leftovers of an
/// interrupted recreate), <see cref="RenameContainer"/>, then one of <see cref="CreateContainer"/>,
/// <see cref="RecreateContainer"/>, <see cref="StartContainer"/>, <see cref="RestartContainer"/>;
/// then, highest numbers first, <see cref="StopContainer"/> + <see cref="RemoveContainer"/> for
/// surplus replicas. Reports <see cref="ProblemKind.NameConflict"/>,
/// <see cref="ProblemKind.ContainerNameWithReplicas"/>, <see cref="ProblemKind.UnknownUpdateOrder"/>,
/// <see cref="ProblemKind.ContainerRestarting"/>, <see cref="ProblemKind.ContainerPaused"/>,
/// <see cref="ProblemKind.ContainerUnsettled"/>.
/// </summary>
internal sealed partial class ServicePlanner
{
    private static readonly ImmutableArray<RecreateStep> StopFirstSteps =
        [RecreateStep.CreateNew, RecreateStep.StopOld, RecreateStep.RemoveOld, RecreateStep.RenameNew, RecreateStep.StartNew];

    private readonly string _project;
    private readonly DesiredService _service;
    private readonly ObservedState _observed;
    private readonly ContainerInventory _inventory;
    private readonly List<PlanProblem> _problems;
    private readonly List<IReadOnlyList<PlanAction>> _chains = [];
    private readonly UpdateOrder _order;
    private readonly ImmutableArray<DependencyWait> _waits;
    private readonly ImmutableSortedDictionary<string, string> _sharedContainers;
    private bool _recreated;
    private bool _creates;
    private bool _rebuilt;
    private IReadOnlySet<string> _replaced = new HashSet<string>();

    private ServicePlanner(DesiredProject project, DesiredService service, ObservedState observed, ContainerInventory inventory, List<PlanProblem> problems)
    {
        _project = project.Name;
        _waits = StartConditions.WaitsOf(project, service);
        _sharedContainers = StartConditions.SharedContainersOf(project, service);
        _service = service;
        _observed = observed;
        _inventory = inventory;
        _problems = problems;
        _order = ParseOrder(service.UpdateOrder);
    }

    /// <param name="recreatedDependencies">Services this one depends on with <c>restart: true</c> that are recreated in this plan.</param>
    /// <param name="completes">Another service waits for this one with <c>service_completed_successfully</c>: it is a one-shot job.</param>
    /// <param name="rebuilt">The plan builds the service's image anew: its containers move onto it.</param>
    /// <param name="replaced">Services earlier in the plan whose containers are created or recreated: their ids change.</param>
    public static ServiceOutcome Plan(
        DesiredProject project, DesiredService service, ObservedState observed, ContainerInventory inventory,
        IReadOnlyList<string> recreatedDependencies, bool completes, bool rebuilt, List<PlanProblem> problems, IReadOnlySet<string>? replaced = null)
    {
        var planner = new ServicePlanner(project, service, observed, inventory, problems) { _rebuilt = rebuilt, _replaced = replaced ?? new HashSet<string>() };
        planner.PlanReplicas(recreatedDependencies, completes);
        return new ServiceOutcome(planner._chains, planner._recreated, planner._creates);
    }

    /// <summary>compose's container name: <c>container_name</c>, else <c>&lt;project&gt;-&lt;service&gt;-&lt;n&gt;</c>.</summary>
    public static string ContainerName(string project, DesiredService service, int number) =>
        service.ContainerName ?? $"{project}-{service.Name}-{number.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>How many replicas are wanted: <c>container_name</c> allows one (compose refuses more).</summary>
    public static int WantedReplicas(DesiredService service) =>
        service.ContainerName is not null ? Math.Min(service.Replicas, 1) : Math.Max(service.Replicas, 0);

    private void PlanReplicas(IReadOnlyList<string> recreatedDependencies, bool completes)
    {
        var wanted = WantedReplicas(_service);
        if (_service.ContainerName is not null && _service.Replicas > 1)
        {
            Problem(ProblemKind.ContainerNameWithReplicas, _service.ContainerName,
                $"container_name allows one container, {_service.Replicas} replicas asked; running one");
        }

        var byNumber = _inventory.OfService(_service.Name)
            .GroupBy(ContainerInventory.NumberOf)
            .ToDictionary(g => g.Key, g => g.ToList());

        for (var n = 1; n <= wanted; n++)
        {
            PlanReplica(n, byNumber.GetValueOrDefault(n) ?? [], recreatedDependencies, completes);
        }

        foreach (var (number, containers) in byNumber.Where(g => g.Key < 1 || g.Key > wanted).OrderByDescending(g => g.Key))
        {
            var reason = number == 0 ? "no container number label" : $"scaled down to {wanted}";
            foreach (var c in containers.OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                AddChain(StopAndRemove(c, number == 0 ? null : number, reason, _service.StopGracePeriod));
            }
        }
    }

    private void PlanReplica(int number, List<ObservedContainer> containers, IReadOnlyList<string> recreatedDependencies, bool completes)
    {
        var name = ContainerName(_project, _service, number);
        var chain = new List<PlanAction>();

        // Crash leftovers: several containers with one number. A correctly named one wins over a
        // temporary one (an interrupted recreate's replacement); among equals the running, then newest.
        var named = ContainerInventory.BestFirst(containers.Where(c => !ContainerInventory.IsTemporary(c))).ToList();
        var temporary = ContainerInventory.BestFirst(containers.Where(ContainerInventory.IsTemporary)).ToList();
        var keeper = named.FirstOrDefault() ?? temporary.FirstOrDefault();
        foreach (var extra in named.Skip(1))
        {
            chain.AddRange(StopAndRemove(extra, number, $"duplicate of {keeper!.Name}", _service.StopGracePeriod));
        }
        foreach (var extra in temporary.Where(t => t != keeper))
        {
            chain.AddRange(StopAndRemove(extra, number, "leftover of an interrupted recreate", _service.StopGracePeriod));
        }

        if (_inventory.StrangerNamed(name) is { } stranger)
        {
            var why = ContainerInventory.IsOneOff(stranger) && stranger.Label(ComposeLabels.Project) == _project
                ? "name taken by a one-off container (docker compose run); remove it"
                : "container not managed by this project; remove or rename it";
            Problem(ProblemKind.NameConflict, name, why);
            AddChain(chain);
            return;
        }

        if (keeper is null)
        {
            chain.Add(new CreateContainer
            {
                Service = _service.Name, ContainerName = name, Number = number, Reason = "container missing",
                Spec = ReplicaSpec(number, name), Drift = ContainerDrift.Missing,
                Waits = _waits, SharedContainers = _sharedContainers, ConfigHashTemplate = _service.ConfigHashTemplate,
            });
            _creates = true;
            AddChain(chain);
            return;
        }

        var currentName = keeper.Name;
        if (ContainerInventory.IsTemporary(keeper))
        {
            // The replacement exists, the original is gone: finish the recreate by renaming it, then
            // judge it like any other container (it may already be stale).
            chain.Add(new RenameContainer
            {
                Service = _service.Name, ContainerName = name, Number = number, ContainerId = keeper.Id, OldName = keeper.Name,
                Reason = "finishing an interrupted recreate",
            });
            currentName = name;
        }

        if (Judge(keeper, currentName, number, name, recreatedDependencies, completes) is { } action)
        {
            chain.Add(action);
        }
        AddChain(chain);
    }

    /// <summary>The one action an existing container needs, if any; problems for states left alone.</summary>
    /// <param name="currentName">The container's name once any rename before this action is done.</param>
    private PlanAction? Judge(ObservedContainer c, string currentName, int number, string name, IReadOnlyList<string> recreatedDependencies, bool completes)
    {
        if (SharedContainerReplaced() is { } shared)
        {
            // compose's hash holds the shared container's id: a new one makes a new hash (and a new namespace).
            return Recreate(c, number, name, $"shared container of {shared} replaced", []);
        }
        if (!InSync(c))
        {
            var old = SpecLabel.Decode(c.Label(SpecLabel.Name));
            if (old is null)
            {
                var detail = c.Label(SpecLabel.Name) is null ? "created by another tool; no field detail" : "field detail unreadable";
                return Recreate(c, number, name, $"config changed ({detail})", []);
            }
            var changes = FieldChange.Diff(old, _service.Fields);
            return Recreate(c, number, name, changes.IsEmpty ? "config changed (no listed field differs)" : "config changed", changes);
        }
        if (currentName != name)
        {
            // The config hash leaves names out (they differ per replica), so a changed container_name
            // (or a compose v1 era name) shows here. compose would recreate too: its hash has the name.
            return Recreate(c, number, name, "container name changed", [new FieldChange("container name", currentName, name)]);
        }
        if (c.State == "dead")
        {
            return Recreate(c, number, name, "container dead", []);
        }
        if (ImageReference.LocalId(_observed.LocalImages, _service.Image) is { } imageId
            && c.ImageId.Length > 0 && !string.Equals(c.ImageId, imageId, StringComparison.Ordinal))
        {
            // compose: the tag now points at another image (a pull happened): recreate onto it.
            FieldChange change = new("image id", ImageReference.ShortId(c.ImageId), ImageReference.ShortId(imageId));
            return Recreate(c, number, name, "image changed", [change]) with { Drift = ContainerDrift.Image };
        }
        if (_rebuilt)
        {
            // The build of this plan moves the tag; the new container is created from it once built.
            return Recreate(c, number, name, "image rebuilt", []) with { Drift = ContainerDrift.Image };
        }

        switch (c.State)
        {
            case "running" when recreatedDependencies.Count == 0:
                return null;
            case "running":
                return new RestartContainer
                {
                    Service = _service.Name, ContainerName = name, Number = number, ContainerId = c.Id, StopGracePeriod = _service.StopGracePeriod,
                    Reason = recreatedDependencies.Count == 1
                        ? $"dependency {recreatedDependencies[0]} was recreated"
                        : $"dependencies {string.Join(", ", recreatedDependencies)} were recreated",
                };
            case "exited" when completes && c.ExitCode == 0:
                // A one-shot job others wait for with service_completed_successfully: done, not down.
                return null;
            case "exited" or "created":
                return new StartContainer
                {
                    Service = _service.Name, ContainerName = name, Number = number, ContainerId = c.Id,
                    Reason = c.State == "created" ? "container never started" : "container stopped", Drift = ContainerDrift.Stopped,
                    Waits = _waits,
                };
            case "restarting":
                // Its restart policy is at work; a crash loop shows in health, not in the plan.
                Problem(ProblemKind.ContainerRestarting, c.Name, "container restarting; left to its restart policy");
                return null;
            case "paused":
                Problem(ProblemKind.ContainerPaused, c.Name, "container paused; left paused (docker unpause to resume)");
                return null;
            default:
                Problem(ProblemKind.ContainerUnsettled, c.Name, $"container {(c.State.Length == 0 ? "in no state" : c.State)}; nothing done this time");
                return null;
        }
    }

    /// <summary>
    /// Whether the container's labels match what the service asks for. compose 2.26's config hash must
    /// match; Reconciler's content hash too when the container has one. A container without it was
    /// created by compose (whose hash is all it compares) or by Reconciler 0.1, whose own hash
    /// (spec + contents) is recognised so an upgrade recreates nothing.
    /// </summary>
    private bool InSync(ObservedContainer c)
    {
        var hash = c.Label(ComposeLabels.ConfigHash);
        var expected = _service.ConfigHashTemplate is { } template
            ? template.Resolve(FirstContainerId)
            : _service.ConfigHash;
        if (c.Label(ComposeLabels.ContentHash) is { } content)
            return hash == expected && content == _service.ContentHash;
        return (expected is not null && hash == expected) || (_service.LegacyConfigHash is { } legacy && hash == legacy);
    }

    /// <summary>compose shares a service's first container by name (<c>Containers.sorted()[0]</c>).</summary>
    private string? FirstContainerId(string service) =>
        _inventory.OfService(service).OrderBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault()?.Id;

    /// <summary>A service whose container this one shares and which this plan creates or recreates.</summary>
    private string? SharedContainerReplaced() =>
        _service.ConfigHashTemplate?.Containers.Keys.FirstOrDefault(_replaced.Contains);

    private RecreateContainer Recreate(ObservedContainer c, int number, string name, string reason, ImmutableArray<FieldChange> changes)
    {
        _recreated = true;
        _creates = true;
        var temporary = $"{c.Id[..Math.Min(12, c.Id.Length)]}_{name}";
        var spec = ReplicaSpec(number, name) with { Name = temporary };
        // compose: the new container names the one it replaces, and inherits its anonymous volumes
        // (a bare "volumes: [/data]" keeps its data across a recreate).
        spec = spec with
        {
            Labels = spec.Labels.SetItem(ComposeLabels.Replace, c.Id),
            Host = spec.Host with
            {
                Mounts = [.. spec.Host.Mounts.Select(m => m.Type == "volume" && string.IsNullOrEmpty(m.Source)
                    && c.Mounts.FirstOrDefault(o => o.Type == "volume" && o.Destination == m.Target) is { Name: { } old }
                        ? m with { Source = old } : m)],
            },
        };
        return new RecreateContainer
        {
            Service = _service.Name, ContainerName = name, Number = number, Reason = reason,
            ContainerId = c.Id, OldName = c.Name, TemporaryName = temporary, Spec = spec,
            Order = _order, Steps = StepsFor(_order, spec), StopGracePeriod = _service.StopGracePeriod, Changes = changes,
            Waits = _waits, SharedContainers = _sharedContainers, ConfigHashTemplate = _service.ConfigHashTemplate,
        };
    }

    private static ImmutableArray<RecreateStep> StepsFor(UpdateOrder order, ContainerSpec spec)
    {
        if (order == UpdateOrder.StopFirst)
        {
            return StopFirstSteps;
        }
        var healthDisabled = spec.Healthcheck is { Test: [ "NONE", .. ] };
        return healthDisabled
            ? [RecreateStep.CreateNew, RecreateStep.StartNew, RecreateStep.StopOld, RecreateStep.RemoveOld, RecreateStep.RenameNew]
            : [RecreateStep.CreateNew, RecreateStep.StartNew, RecreateStep.WaitNewHealthy, RecreateStep.StopOld, RecreateStep.RemoveOld, RecreateStep.RenameNew];
    }

    /// <summary>Stop (when it may be running) then remove: surplus replicas, duplicates, leftovers, orphans.</summary>
    public static IReadOnlyList<PlanAction> StopAndRemove(ObservedContainer c, int? number, string reason, TimeSpan? grace, ContainerDrift drift = ContainerDrift.Config)
    {
        var service = c.Label(ComposeLabels.Service);
        if (c.State == "removing")
        {
            return [];
        }
        var remove = new RemoveContainer { Service = service, ContainerName = c.Name, Number = number, ContainerId = c.Id, Reason = reason, Drift = drift };
        return c.State is "running" or "restarting" or "paused"
            ? [new StopContainer { Service = service, ContainerName = c.Name, Number = number, ContainerId = c.Id, StopGracePeriod = grace, Reason = reason, Drift = drift }, remove]
            : [remove];
    }

    /// <summary>
    /// Replica <paramref name="number"/>'s spec: the template (replica 1's) renamed, with the labels
    /// the next plan reads: number, config hash, content hash, field detail.
    /// </summary>
    private ContainerSpec ReplicaSpec(int number, string name)
    {
        var template = _service.Template;
        var labels = template.Labels
            .SetItem(ComposeLabels.Project, _project)
            .SetItem(ComposeLabels.Service, _service.Name)
            .SetItem(ComposeLabels.Number, number.ToString(CultureInfo.InvariantCulture))
            .SetItem(ComposeLabels.Oneoff, "False")
            // With a ConfigHashTemplate, the executor writes the hash once the shared container's id is known.
            .SetItem(ComposeLabels.ConfigHash, _service.ConfigHash)
            .SetItem(ComposeLabels.ContentHash, _service.ContentHash)
            .SetItem(SpecLabel.Name, SpecLabel.Encode(_service.Fields));
        var networks = template.Networks;
        // compose: link aliases carry the linking container's own number ("db-2" from replica 2).
        var replica = number.ToString(CultureInfo.InvariantCulture);
        ImmutableArray<string> Links(ImmutableArray<string> links) =>
            links.IsDefaultOrEmpty ? links : [.. links.Select(l => l.Replace(DesiredStateBuilder.ReplicaToken, replica, StringComparison.Ordinal))];
        foreach (var (key, endpoint) in template.Networks)
        {
            // compose: a container's first alias on each network is its own name.
            networks = networks.SetItem(key, endpoint with
            {
                Aliases = name == template.Name ? endpoint.Aliases : [.. endpoint.Aliases.Select(a => a == template.Name ? name : a)],
                Links = Links(endpoint.Links),
            });
        }
        return template with { Name = name, Labels = labels, Networks = networks, Host = template.Host with { Links = Links(template.Host.Links) } };
    }

    private UpdateOrder ParseOrder(string text)
    {
        switch (text)
        {
            case "start-first":
                return UpdateOrder.StartFirst;
            case "stop-first" or "":
                return UpdateOrder.StopFirst;
            default:
                // The builder passes the extension on as written; the text is the user's, so it is cut.
                Problem(ProblemKind.UnknownUpdateOrder, "x-reconciler.update_order", $"update_order {Compose.Excerpt.Quoted(text)} unknown (stop-first or start-first); using stop-first");
                return UpdateOrder.StopFirst;
        }
    }

    private void AddChain(IReadOnlyList<PlanAction> chain)
    {
        if (chain.Count > 0)
        {
            _chains.Add(chain);
        }
    }

    private void Problem(ProblemKind kind, string subject, string message) =>
        _problems.Add(new PlanProblem(kind, _service.Name, subject, message));
}
