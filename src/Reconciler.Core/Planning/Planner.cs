using System.Collections.Immutable;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;

namespace Reconciler.Core.Planning;

/// <summary>
/// The reconcile step: a pure function from the desired project and the observed state to a
/// <see cref="Planning.Plan"/>. No engine calls, no clock, no I/O; the same inputs give the same plan.
/// </summary>
/// <remarks>
/// The plan lists, in this order: image pulls, image builds, network creates, volume creates
/// (<see cref="PullPlanner"/>, <see cref="BuildPlanner"/>, <see cref="ResourcePlanner"/>); each service's
/// container actions, services in dependency order (<see cref="ServicePlanner"/>); orphan removals.
/// Dependencies between actions:
/// <list type="bullet">
/// <item>actions on one container form a chain, each after the previous;</item>
/// <item>a service's first action on each container comes after the last actions of the services it
/// depends on (or, when one of those has nothing to do, of theirs, transitively);</item>
/// <item>creates and recreates also come after the pull of their image and the creation of the
/// networks and volumes they use;</item>
/// <item>every container action (orphan removals too) comes after every build: a build that fails
/// (a broken Dockerfile) leaves what runs untouched;</item>
/// <item>pulls, builds, network and volume creates depend on nothing, and orphan removals on nothing
/// but the builds: an orphan's removal is not held hostage by a new service failing to start.</item>
/// </list>
/// A service whose image is rebuilt has its existing containers recreated onto it (<c>image rebuilt</c>).
/// Ordering satisfies <c>service_started</c>; the creates, recreates and starts of a service whose
/// depends_on asks for <c>service_healthy</c> or <c>service_completed_successfully</c> carry those
/// conditions as <see cref="DependencyWait"/>s, and those with <c>service:x</c> modes name the
/// containers they share (<see cref="StartConditions"/>), so the executor reads neither from the project.
/// Image ids are judged as observed before any pull of this plan: when a pull moves a tag, the
/// containers still on the old image show as <c>image changed</c> on the next plan (the daemon plans
/// again after a plan whose pulls downloaded something). Creates and recreates use the tag as it
/// is when they run, so they already get the new image.
/// </remarks>
public static class Planner
{
    public static Plan Plan(DesiredProject desired, ObservedState observed, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(options);

        var problems = new List<PlanProblem>();
        var inventory = new ContainerInventory(desired, observed);
        var networks = ResourcePlanner.Networks(desired, observed, problems);
        var volumes = ResourcePlanner.Volumes(desired, observed, problems);

        var order = DependencyOrder(desired, problems);
        var builds = BuildPlanner.Plan(desired, observed, problems);
        var rebuilt = builds.SelectMany(b => b.Services).ToHashSet(StringComparer.Ordinal);
        var completes = desired.Services.Values
            .SelectMany(s => s.DependsOn)
            .Where(d => d.Value.Condition == "service_completed_successfully")
            .Select(d => d.Key)
            .ToHashSet(StringComparer.Ordinal);
        var outcomes = new Dictionary<string, ServiceOutcome>(StringComparer.Ordinal);
        var recreated = new HashSet<string>(StringComparer.Ordinal);
        // Services whose container ids change in this plan: who shares their container is recreated too.
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in order)
        {
            // compose: recreating a service restarts the services depending on it with restart: true.
            var restartFor = service.DependsOn
                .Where(d => d.Value.Restart && recreated.Contains(d.Key))
                .Select(d => d.Key)
                .Order(StringComparer.Ordinal)
                .ToList();
            var outcome = ServicePlanner.Plan(desired, service, observed, inventory, restartFor, completes.Contains(service.Name),
                rebuilt.Contains(service.Name), problems, replaced);
            outcomes[service.Name] = outcome;
            if (outcome.Recreated)
            {
                recreated.Add(service.Name);
            }
            if (outcome.CreatesContainers)
            {
                replaced.Add(service.Name);
            }
        }

        var pulls = PullPlanner.Plan(desired, observed, options, outcomes, problems);

        var orphanChains = new List<IReadOnlyList<PlanAction>>();
        foreach (var orphan in inventory.Orphans)
        {
            var service = orphan.Label(ComposeLabels.Service);
            if (options.RemoveOrphans)
            {
                var number = ContainerInventory.NumberOf(orphan);
                orphanChains.Add(ServicePlanner.StopAndRemove(orphan, number == 0 ? null : number, "service removed from project", null, ContainerDrift.Orphan));
            }
            else
            {
                problems.Add(new PlanProblem(ProblemKind.OrphanKept, service, orphan.Name,
                    "service removed from project; kept (orphan removal is off)"));
            }
        }

        return Assemble(desired.Name, pulls, builds, networks, volumes, order, outcomes, orphanChains, problems);
    }

    /// <summary>
    /// Whether the plan of <paramref name="desired"/> depends on <see cref="PlanOptions.Now"/>: only
    /// the time-based pull policies (<c>daily</c>, <c>weekly</c>, <c>every_&lt;duration&gt;</c>) read it.
    /// Otherwise the same desired state, observed state and other options give the same plan at any time.
    /// </summary>
    public static bool DependsOnTime(DesiredProject desired) =>
        desired.Services.Values.Any(s => PullPolicy.Parse(s.PullPolicy).Kind == PullPolicyKind.Refresh);

    /// <summary>
    /// The names the project's containers will have: what the observe step must also list by name,
    /// whatever their labels, so a container squatting one is seen.
    /// </summary>
    public static ImmutableArray<string> WantedContainerNames(DesiredProject desired) =>
    [
        .. desired.Services.Values
            .SelectMany(s => Enumerable.Range(1, ServicePlanner.WantedReplicas(s)).Select(n => ServicePlanner.ContainerName(desired.Name, s, n)))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>Services, each after those it depends on; ties by name. A cycle is reported and broken by name.</summary>
    private static List<DesiredService> DependencyOrder(DesiredProject desired, List<PlanProblem> problems)
    {
        var services = desired.Services;
        var waitingOn = services.Values.ToDictionary(
            s => s.Name,
            s => s.DependsOn.Keys.Where(d => d != s.Name && services.ContainsKey(d)).ToHashSet(StringComparer.Ordinal),
            StringComparer.Ordinal);
        // Who waits on whom, the other way round: placing a service touches only its dependents, so
        // ordering is linear in services + edges (a commit may hold a great many services).
        var dependents = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, waits) in waitingOn)
            foreach (var dep in waits)
                (dependents.TryGetValue(dep, out var list) ? list : dependents[dep] = []).Add(name);
        var order = new List<DesiredService>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var ready = new SortedSet<string>(waitingOn.Where(w => w.Value.Count == 0).Select(w => w.Key), StringComparer.Ordinal);
        while (order.Count < services.Count)
        {
            if (ready.Count == 0)
            {
                var stuck = waitingOn.Keys.Where(k => !placed.Contains(k)).Order(StringComparer.Ordinal).ToList();
                problems.Add(new PlanProblem(ProblemKind.DependencyCycle, null, string.Join(", ", stuck),
                    "these services depend on each other in a circle; ordered by name"));
                ready.Add(stuck[0]);
                waitingOn[stuck[0]].Clear();
            }
            var next = ready.Min!;
            ready.Remove(next);
            order.Add(services[next]);
            placed.Add(next);
            foreach (var name in dependents.GetValueOrDefault(next) ?? [])
            {
                if (waitingOn[name].Remove(next) && waitingOn[name].Count == 0 && !placed.Contains(name))
                {
                    ready.Add(name);
                }
            }
        }
        return order;
    }

    private static Plan Assemble(
        string project, List<PullImage> pulls, List<BuildImage> builds, List<CreateNetwork> networks, List<CreateVolume> volumes,
        List<DesiredService> order, Dictionary<string, ServiceOutcome> outcomes,
        List<IReadOnlyList<PlanAction>> orphanChains, List<PlanProblem> problems)
    {
        var nodes = new List<Node>();
        Node Add(PlanAction action)
        {
            var node = new Node(action);
            nodes.Add(node);
            return node;
        }

        var pullOf = pulls.ToDictionary(p => ImageReference.Normalize(p.Image), Add, StringComparer.Ordinal);
        // Every container action waits for every build: nothing that runs is touched before all images are built.
        var buildNodes = builds.Select(Add).ToList();
        var networkOf = networks.ToDictionary(n => n.Network.Name, Add, StringComparer.Ordinal);
        var volumeOf = volumes.ToDictionary(v => v.Volume.Name, Add, StringComparer.Ordinal);

        // The last nodes of each service, or what it waited on when it had nothing to do.
        var frontier = new Dictionary<string, List<Node>>(StringComparer.Ordinal);
        foreach (var service in order)
        {
            var after = service.DependsOn.Keys
                .Where(frontier.ContainsKey)
                .SelectMany(d => frontier[d])
                .Distinct()
                .ToList();
            var infrastructure = new List<Node>();
            if (pullOf.TryGetValue(ImageReference.Normalize(service.Image), out var pull))
            {
                infrastructure.Add(pull);
            }
            infrastructure.AddRange(ResourcePlanner.NetworksUsedBy(service).Where(networkOf.ContainsKey).Select(n => networkOf[n]));
            infrastructure.AddRange(ResourcePlanner.VolumesUsedBy(service).Where(volumeOf.ContainsKey).Select(v => volumeOf[v]));

            var last = new List<Node>();
            foreach (var chain in outcomes[service.Name].Chains)
            {
                Node? previous = null;
                foreach (var action in chain)
                {
                    var node = Add(action);
                    if (previous is null)
                    {
                        node.After.AddRange(after);
                        node.After.AddRange(buildNodes);
                    }
                    else
                    {
                        node.After.Add(previous);
                    }
                    if (action is CreateContainer or RecreateContainer)
                    {
                        node.After.AddRange(infrastructure);
                    }
                    previous = node;
                }
                last.Add(previous!);
            }
            frontier[service.Name] = last.Count > 0 ? last : after;
        }

        foreach (var chain in orphanChains)
        {
            Node? previous = null;
            foreach (var action in chain)
            {
                var node = Add(action);
                if (previous is not null)
                {
                    node.After.Add(previous);
                }
                else
                {
                    node.After.AddRange(buildNodes);
                }
                previous = node;
            }
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            nodes[i].Id = i + 1;
        }
        var actions = nodes.Select(n => n.Action with
        {
            Id = n.Id,
            DependsOn = [.. n.After.Select(a => a.Id).Distinct().Order()],
        });
        return new Plan(project, [.. actions], [.. problems]);
    }

    private sealed class Node(PlanAction action)
    {
        public PlanAction Action { get; } = action;
        public List<Node> After { get; } = [];
        public int Id { get; set; }
    }
}
