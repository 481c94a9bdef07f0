using System.Collections.Immutable;

namespace Reconciler.Core.Desired;

/// <summary>
/// What a stack must look like on the engine, resolved from a compose project: the networks and
/// volumes to ensure and, per service, the containers to run. The planner's only input besides
/// the observed state.
/// </summary>
public sealed record DesiredProject
{
    public required string Name { get; init; }
    public required string WorkingDir { get; init; }
    public ImmutableArray<string> ConfigFiles { get; init; } = [];
    /// <summary>Networks the project creates, keyed by compose key.</summary>
    public ImmutableSortedDictionary<string, NetworkSpec> Networks { get; init; } = ImmutableSortedDictionary<string, NetworkSpec>.Empty;
    /// <summary>External networks that must already exist (engine names).</summary>
    public ImmutableArray<string> ExternalNetworks { get; init; } = [];
    public ImmutableSortedDictionary<string, VolumeSpec> Volumes { get; init; } = ImmutableSortedDictionary<string, VolumeSpec>.Empty;
    public ImmutableArray<string> ExternalVolumes { get; init; } = [];
    public ImmutableSortedDictionary<string, DesiredService> Services { get; init; } = ImmutableSortedDictionary<string, DesiredService>.Empty;
}

/// <summary>One compose service: its containers' spec and how to roll them out.</summary>
public sealed record DesiredService
{
    public required string Name { get; init; }
    /// <summary>The image reference as written (after interpolation), e.g. <c>registry:5000/app:1.2</c>.</summary>
    public required string Image { get; init; }
    /// <summary>missing (default), always, never, build, daily, weekly, every_&lt;duration&gt;.</summary>
    public string PullPolicy { get; init; } = "missing";
    /// <summary>How many containers (compose <c>scale</c> / <c>deploy.replicas</c>); 0 stops them all.</summary>
    public int Replicas { get; init; } = 1;
    /// <summary>
    /// <c>com.docker.compose.config-hash</c> as Docker Compose 2.26 computes it for the service, so
    /// either tool accepts the other's containers; a change means recreate. Empty when the service
    /// shares another service's container: then <see cref="ConfigHashTemplate"/> gives it.
    /// </summary>
    public required string ConfigHash { get; init; }
    /// <summary>For <c>network_mode</c>/<c>ipc</c>/<c>pid: service:x</c> and <c>volumes_from</c>: the hash needs x's container id.</summary>
    public ConfigHashTemplate? ConfigHashTemplate { get; init; }
    /// <summary>Digest of the bind-mounted project files (<c>dev.reconciler.content-hash</c>); a change means recreate.</summary>
    public string ContentHash { get; init; } = "";
    /// <summary>The hash Reconciler 0.1 wrote in <c>com.docker.compose.config-hash</c>; null when unknown (tests).</summary>
    public string? LegacyConfigHash { get; init; }
    /// <summary>Container spec for replica number <c>n</c> is <see cref="SpecFor"/>(n); this is replica 1's.</summary>
    public required ContainerSpec Template { get; init; }
    public ImmutableSortedDictionary<string, Dependency> DependsOn { get; init; } = ImmutableSortedDictionary<string, Dependency>.Empty;
    /// <summary>Explicit <c>container_name</c>: only one replica allowed.</summary>
    public string? ContainerName { get; init; }
    public TimeSpan? StopGracePeriod { get; init; }
    /// <summary>Flattened compose fields for the planner's field-level explanation (key path → printable value).</summary>
    public ImmutableSortedDictionary<string, string> Fields { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>Extension settings (<c>x-reconciler</c>): e.g. update_order start-first.</summary>
    public string UpdateOrder { get; init; } = "stop-first";
    /// <summary>How <see cref="Image"/> is built (<c>build:</c>); null when the service only runs an image.</summary>
    public Building.BuildSpec? Build { get; init; }
}

public sealed record Dependency(string Condition, bool Required, bool Restart);
