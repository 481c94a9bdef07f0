using System.Collections.Immutable;

namespace Reconciler.Core.Swarm;

/// <summary>
/// A Swarm service as <c>docker stack deploy</c> sends it (the Engine API 1.41 <c>ServiceSpec</c>
/// body of <c>POST /services/create</c>). Property names are the API's own, so the record serializes
/// to the wire shape through <see cref="SwarmJson"/> and the adapter maps nothing. Null means "not
/// sent": the engine fills its default, exactly as for the CLI's nil fields.
/// </summary>
public sealed record SwarmServiceSpec
{
    /// <summary><c>&lt;stack&gt;_&lt;service&gt;</c>.</summary>
    public required string Name { get; init; }
    /// <summary><c>deploy.labels</c> plus <c>com.docker.stack.namespace</c> and <c>com.docker.stack.image</c>.</summary>
    public required ImmutableSortedDictionary<string, string> Labels { get; init; }
    public required SwarmTaskSpec TaskTemplate { get; init; }
    public required SwarmServiceMode Mode { get; init; }
    public SwarmUpdateConfig? UpdateConfig { get; init; }
    public SwarmUpdateConfig? RollbackConfig { get; init; }
    public required SwarmEndpointSpec EndpointSpec { get; init; }
}

public sealed record SwarmTaskSpec
{
    public required SwarmContainerSpec ContainerSpec { get; init; }
    /// <summary>Always sent, possibly empty, as the CLI does.</summary>
    public required SwarmResources Resources { get; init; }
    public SwarmRestartPolicy? RestartPolicy { get; init; }
    public required SwarmPlacement Placement { get; init; }
    /// <summary>Sorted by target; the targets are network names, which the engine keeps as ids.</summary>
    public ImmutableArray<SwarmNetworkAttachment> Networks { get; init; } = [];
    public SwarmDriver? LogDriver { get; init; }
    /// <summary>The engine's counter behind <c>docker service update --force</c>: an update carries the current value over, as the CLI does, so it restarts nothing by itself.</summary>
    public ulong ForceUpdate { get; init; }
}

public sealed record SwarmContainerSpec
{
    public required string Image { get; init; }
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>compose <c>entrypoint</c>.</summary>
    public ImmutableArray<string>? Command { get; init; }
    /// <summary>compose <c>command</c>.</summary>
    public ImmutableArray<string>? Args { get; init; }
    public string? Hostname { get; init; }
    /// <summary>KEY=VALUE (or KEY alone), sorted as the CLI sorts them.</summary>
    public ImmutableArray<string>? Env { get; init; }
    public string? Dir { get; init; }
    public string? User { get; init; }
    public ImmutableArray<SwarmMount>? Mounts { get; init; }
    /// <summary>Nanoseconds.</summary>
    public long? StopGracePeriod { get; init; }
    public string? StopSignal { get; init; }
    public bool TTY { get; init; }
    public bool OpenStdin { get; init; }
    public bool ReadOnly { get; init; }
    public bool? Init { get; init; }
    public SwarmHealthcheck? Healthcheck { get; init; }
    /// <summary>"IP hostname" lines, swarmkit's notation, in the file's order.</summary>
    public ImmutableArray<string>? Hosts { get; init; }
    public SwarmDnsConfig? DNSConfig { get; init; }
    public ImmutableArray<SwarmSecretReference>? Secrets { get; init; }
    public ImmutableArray<SwarmConfigReference>? Configs { get; init; }
    public string? Isolation { get; init; }
    public ImmutableSortedDictionary<string, string>? Sysctls { get; init; }
    public ImmutableArray<string>? CapabilityAdd { get; init; }
    public ImmutableArray<string>? CapabilityDrop { get; init; }
    public ImmutableArray<SwarmUlimit>? Ulimits { get; init; }
    /// <summary>compose <c>credential_spec</c> (the CLI's only use of Privileges in a stack).</summary>
    public SwarmPrivileges? Privileges { get; init; }
}

public sealed record SwarmPrivileges
{
    public SwarmCredentialSpec? CredentialSpec { get; init; }

    /// <summary>The credential spec's config renamed (to its version by the planner, to its id by the executor), as the config references are.</summary>
    public SwarmPrivileges WithCredentialConfig(Func<string, string> rename) =>
        CredentialSpec?.Config is { } config ? this with { CredentialSpec = CredentialSpec with { Config = rename(config) } } : this;
}

/// <summary>
/// One of three sources (Windows gMSA). <see cref="Config"/> names a config here and in a plan; the
/// engine wants its id, which the executor puts in (as for secret and config references).
/// </summary>
public sealed record SwarmCredentialSpec
{
    public string? Config { get; init; }
    public string? File { get; init; }
    public string? Registry { get; init; }
}

/// <summary>Durations in nanoseconds.</summary>
public sealed record SwarmHealthcheck
{
    public ImmutableArray<string> Test { get; init; } = [];
    public long Interval { get; init; }
    public long Timeout { get; init; }
    public long StartPeriod { get; init; }
    public int Retries { get; init; }
}

public sealed record SwarmDnsConfig
{
    public ImmutableArray<string>? Nameservers { get; init; }
    public ImmutableArray<string>? Search { get; init; }
}

public sealed record SwarmUlimit(string Name, long Hard, long Soft);

public sealed record SwarmDriver
{
    public required string Name { get; init; }
    public ImmutableSortedDictionary<string, string>? Options { get; init; }
}

public sealed record SwarmNetworkAttachment
{
    public required string Target { get; init; }
    public ImmutableArray<string>? Aliases { get; init; }
}
