using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Reconciler.Core.Swarm;

/// <summary>Exactly one of the two is set.</summary>
public sealed record SwarmServiceMode
{
    public SwarmReplicated? Replicated { get; init; }
    public SwarmGlobal? Global { get; init; }
}

/// <summary>Null replicas: not sent, and the engine runs one, as with the CLI.</summary>
public sealed record SwarmReplicated(ulong? Replicas);

/// <summary>Serializes as <c>{}</c>.</summary>
public sealed record SwarmGlobal;

/// <summary>update_config and rollback_config; durations in nanoseconds.</summary>
public sealed record SwarmUpdateConfig
{
    public ulong Parallelism { get; init; }
    public long Delay { get; init; }
    public string? FailureAction { get; init; }
    public long Monitor { get; init; }
    public float MaxFailureRatio { get; init; }
    public string? Order { get; init; }
}

public sealed record SwarmEndpointSpec
{
    /// <summary>vip, dnsrr, or empty (the engine's vip).</summary>
    public string? Mode { get; init; }
    public ImmutableArray<SwarmPortConfig> Ports { get; init; } = [];
}

public sealed record SwarmPortConfig
{
    public required string Protocol { get; init; }
    public uint TargetPort { get; init; }
    public uint PublishedPort { get; init; }
    /// <summary>ingress or host.</summary>
    public string? PublishMode { get; init; }
}

public sealed record SwarmResources
{
    public SwarmLimit? Limits { get; init; }
    public SwarmReservation? Reservations { get; init; }
}

public sealed record SwarmLimit
{
    public long NanoCPUs { get; init; }
    public long MemoryBytes { get; init; }
    public long Pids { get; init; }
}

public sealed record SwarmReservation
{
    public long NanoCPUs { get; init; }
    public long MemoryBytes { get; init; }
    public ImmutableArray<SwarmGenericResource>? GenericResources { get; init; }
}

public sealed record SwarmGenericResource
{
    public SwarmDiscreteResource? DiscreteResourceSpec { get; init; }
}

public sealed record SwarmDiscreteResource(string Kind, long Value);

public sealed record SwarmRestartPolicy
{
    /// <summary>none, on-failure or any.</summary>
    public required string Condition { get; init; }
    public long? Delay { get; init; }
    public ulong? MaxAttempts { get; init; }
    public long? Window { get; init; }
}

public sealed record SwarmPlacement
{
    public ImmutableArray<string>? Constraints { get; init; }
    /// <summary>Always sent (possibly empty), as the CLI does.</summary>
    public ImmutableArray<SwarmPlacementPreference> Preferences { get; init; } = [];
    public ulong MaxReplicas { get; init; }
    /// <summary>The image's platforms from the registry, sent with a resolved digest as the CLI sends them (tasks go only to matching nodes).</summary>
    public ImmutableArray<SwarmPlatform>? Platforms { get; init; }
}

public sealed record SwarmPlatform(string Architecture, string OS);

public sealed record SwarmPlacementPreference(SwarmSpreadOver Spread);

public sealed record SwarmSpreadOver(string SpreadDescriptor);
