using System.Collections.Immutable;

namespace Reconciler.Core.Swarm;

/// <summary>What this node's engine is in its Swarm: only a manager can take a stack.</summary>
public enum SwarmRole { NotInSwarm, Worker, Manager }

/// <summary>
/// A stack's Swarm objects as the engine holds them, read in one go by the adapter. Specs are the
/// engine's JSON with network ids already turned into names, so they compare with desired specs.
/// </summary>
public sealed record ObservedSwarm
{
    public required SwarmRole Role { get; init; }
    /// <summary>The stack's services (label <c>com.docker.stack.namespace</c>), by name.</summary>
    public ImmutableSortedDictionary<string, ObservedSwarmService> Services { get; init; } = ImmutableSortedDictionary<string, ObservedSwarmService>.Empty;
    /// <summary>Every network the manager knows, by name (external ones must be among them).</summary>
    public ImmutableSortedDictionary<string, ObservedSwarmNetwork> Networks { get; init; } = ImmutableSortedDictionary<string, ObservedSwarmNetwork>.Empty;
    /// <summary>Secrets and configs by name: the stack's own and any the compose file names as external.</summary>
    public ImmutableArray<ObservedSwarmObject> Objects { get; init; } = [];
    /// <summary>Image as written → the same with its registry digest (<c>--resolve-image always</c>); absent: not resolved.</summary>
    public ImmutableSortedDictionary<string, string> ResolvedImages { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>Image as written → the platforms its registry lists, for the resolved images.</summary>
    public ImmutableSortedDictionary<string, ImmutableArray<SwarmPlatform>> ImagePlatforms { get; init; } = ImmutableSortedDictionary<string, ImmutableArray<SwarmPlatform>>.Empty;
}

public sealed record ObservedSwarmService
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    /// <summary>The object version an update must name (optimistic concurrency).</summary>
    public required ulong Version { get; init; }
    public required string SpecJson { get; init; }
    public ulong ForceUpdate { get; init; }
    /// <summary>Tasks that should run: the replicas, or for a global service the tasks scheduled to run.</summary>
    public long DesiredTasks { get; init; }
    /// <summary>Tasks running (on Swarm a task with a healthcheck runs only once healthy).</summary>
    public long RunningTasks { get; init; }
    /// <summary>Every task the engine lists for the service, ended ones included (what restarts are counted from).</summary>
    public ImmutableArray<ObservedSwarmTask> Tasks { get; init; } = [];
    /// <summary>The secrets and configs the current and the previous spec refer to (rollback needs the latter).</summary>
    public ImmutableArray<string> ReferencedObjects { get; init; } = [];
    public DateTimeOffset? UpdatedAt { get; init; }
    /// <summary>UpdateStatus.State: updating, paused, completed, rollback_started, rollback_paused, rollback_completed; null before any update.</summary>
    public string? UpdateState { get; init; }
}

public sealed record ObservedSwarmNetwork(string Id, string Name, string Scope, string Driver, string? Stack);

public sealed record ObservedSwarmObject(SwarmObjectKind Kind, string Id, string Name, string? Stack);
