using System.Collections.Immutable;

namespace Reconciler.Core.Desired;

/// <summary>
/// What one container of a service must look like, in the Docker Engine API's own terms
/// (the body of <c>POST /containers/create</c>), resolved from the compose model the way
/// docker compose v2 resolves it. The Docker adapter maps it to the wire 1:1 and makes no decisions.
/// </summary>
public sealed record ContainerSpec
{
    public required string Name { get; init; }
    public required string Image { get; init; }
    public string? Hostname { get; init; }
    public string? Domainname { get; init; }
    public string? User { get; init; }
    public string? WorkingDir { get; init; }
    /// <summary>Null: the image's; empty: cleared (compose: <c>entrypoint: []</c>).</summary>
    public ImmutableArray<string>? Entrypoint { get; init; }
    public ImmutableArray<string>? Cmd { get; init; }
    /// <summary>KEY=VALUE, sorted by key as compose sends it.</summary>
    public ImmutableArray<string> Env { get; init; } = [];
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>"80/tcp" style keys, exposed ports plus published ones.</summary>
    public ImmutableArray<string> ExposedPorts { get; init; } = [];
    public bool Tty { get; init; }
    public bool OpenStdin { get; init; }
    public bool AttachStdin { get; init; }
    public bool AttachStdout { get; init; }
    public bool AttachStderr { get; init; }
    public string? StopSignal { get; init; }
    /// <summary>Seconds, as the API wants it.</summary>
    public int? StopTimeout { get; init; }
    public HealthSpec? Healthcheck { get; init; }
    public required HostSpec Host { get; init; }
    /// <summary>Endpoints by network name (the engine's name, not the compose key).</summary>
    public ImmutableSortedDictionary<string, EndpointSpec> Networks { get; init; } = ImmutableSortedDictionary<string, EndpointSpec>.Empty;
    public string? MacAddress { get; init; }
}

/// <summary>Engine healthcheck: durations in nanoseconds, as the API takes them.</summary>
public sealed record HealthSpec
{
    /// <summary>["NONE"] disables the image's healthcheck; ["CMD", …] or ["CMD-SHELL", "…"].</summary>
    public ImmutableArray<string> Test { get; init; } = [];
    public long Interval { get; init; }
    public long Timeout { get; init; }
    public long StartPeriod { get; init; }
    public long StartInterval { get; init; }
    public int Retries { get; init; }
}

public sealed record EndpointSpec
{
    public ImmutableArray<string> Aliases { get; init; } = [];
    /// <summary>
    /// Legacy links ("container:alias") scoped to this endpoint. On a user-defined network the
    /// engine ignores <c>HostConfig.Links</c> and honours only these (compose sets both).
    /// </summary>
    public ImmutableArray<string> Links { get; init; } = [];
    public string? IPv4Address { get; init; }
    public string? IPv6Address { get; init; }
    public ImmutableArray<string> LinkLocalIPs { get; init; } = [];
    public string? MacAddress { get; init; }
    public int? Priority { get; init; }
}

/// <summary>The HostConfig part of the create body.</summary>
public sealed record HostSpec
{
    public ImmutableArray<string> Binds { get; init; } = [];
    public ImmutableArray<MountSpec> Mounts { get; init; } = [];
    public ImmutableSortedDictionary<string, string> Tmpfs { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>Keyed by "80/tcp"; several bindings per container port possible.</summary>
    public ImmutableSortedDictionary<string, ImmutableArray<PortBindingSpec>> PortBindings { get; init; } = ImmutableSortedDictionary<string, ImmutableArray<PortBindingSpec>>.Empty;
    public required string NetworkMode { get; init; }
    public RestartPolicySpec RestartPolicy { get; init; } = new();
    public bool? Init { get; init; }
    public bool ReadonlyRootfs { get; init; }
    public bool Privileged { get; init; }
    public ImmutableArray<string> CapAdd { get; init; } = [];
    public ImmutableArray<string> CapDrop { get; init; } = [];
    public ImmutableArray<string> SecurityOpt { get; init; } = [];
    public ImmutableSortedDictionary<string, string> Sysctls { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public ImmutableArray<UlimitSpec> Ulimits { get; init; } = [];
    public ImmutableArray<string> ExtraHosts { get; init; } = [];
    public ImmutableArray<string> Dns { get; init; } = [];
    public ImmutableArray<string> DnsSearch { get; init; } = [];
    public ImmutableArray<string> DnsOptions { get; init; } = [];
    public LogConfigSpec? LogConfig { get; init; }
    public long ShmSize { get; init; }
    public ImmutableArray<DeviceSpec> Devices { get; init; } = [];
    public ImmutableArray<string> GroupAdd { get; init; } = [];
    public ImmutableArray<string> DeviceCgroupRules { get; init; } = [];
    public string? PidMode { get; init; }
    public string? IpcMode { get; init; }
    public string? UTSMode { get; init; }
    public string? UsernsMode { get; init; }
    public string? CgroupParent { get; init; }
    public ImmutableArray<string> Links { get; init; } = [];
    public ImmutableArray<string> VolumesFrom { get; init; } = [];
    public ResourcesSpec Resources { get; init; } = new();
}

public sealed record MountSpec
{
    /// <summary>bind, volume, tmpfs, npipe.</summary>
    public required string Type { get; init; }
    public string? Source { get; init; }
    public required string Target { get; init; }
    public bool ReadOnly { get; init; }
    public string? Consistency { get; init; }
    public string? BindPropagation { get; init; }
    public bool? BindCreateMountpoint { get; init; }
    public bool VolumeNoCopy { get; init; }
    public string? VolumeSubpath { get; init; }
    public ImmutableSortedDictionary<string, string>? VolumeLabels { get; init; }
    public long? TmpfsSize { get; init; }
    public int? TmpfsMode { get; init; }
}

public sealed record PortBindingSpec(string HostIp, string HostPort);

public sealed record RestartPolicySpec
{
    /// <summary>"", "no", "always", "unless-stopped", "on-failure".</summary>
    public string Name { get; init; } = "";
    public int MaximumRetryCount { get; init; }
}

public sealed record UlimitSpec(string Name, long Soft, long Hard);

public sealed record LogConfigSpec(string Type, ImmutableSortedDictionary<string, string> Config);

public sealed record DeviceSpec(string PathOnHost, string PathInContainer, string CgroupPermissions);

/// <summary>Resource limits in engine units: bytes, nano-CPUs.</summary>
public sealed record ResourcesSpec
{
    public long Memory { get; init; }
    public long MemoryReservation { get; init; }
    public long MemorySwap { get; init; }
    public long? MemorySwappiness { get; init; }
    public long NanoCpus { get; init; }
    public long CpuShares { get; init; }
    public long CpuQuota { get; init; }
    public long CpuPeriod { get; init; }
    public string? CpusetCpus { get; init; }
    public long? PidsLimit { get; init; }
    public bool? OomKillDisable { get; init; }
    public int? OomScoreAdj { get; init; }
    public ImmutableArray<DeviceRequestSpec> DeviceRequests { get; init; } = [];
}

public sealed record DeviceRequestSpec(string Driver, int Count, ImmutableArray<string> DeviceIds, ImmutableArray<ImmutableArray<string>> Capabilities, ImmutableSortedDictionary<string, string> Options);
