using System.Text.Json.Serialization;

namespace Reconciler.Docker.Wire;

// Request bodies of POST /containers/create and POST /networks/create exactly as Engine API 1.41
// (Docker 20.10) defines them. Null members are left off the wire, so the engine applies its defaults.
// Field names follow the API's own spelling (the engine matches them case-insensitively anyway).

internal sealed class ContainerCreateBody
{
    public string? Hostname { get; set; }
    public string? Domainname { get; set; }
    public string? User { get; set; }
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }
    public Dictionary<string, EmptyObject>? ExposedPorts { get; set; }
    public bool Tty { get; set; }
    public bool OpenStdin { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Cmd { get; set; }
    public HealthcheckBody? Healthcheck { get; set; }
    public required string Image { get; set; }
    public string? WorkingDir { get; set; }
    public List<string>? Entrypoint { get; set; }
    /// <summary>Deprecated in API 1.44, but the only place API 1.41 reads a container's MAC address from.</summary>
    public string? MacAddress { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public string? StopSignal { get; set; }
    public int? StopTimeout { get; set; }
    public required HostConfigBody HostConfig { get; set; }
    public NetworkingConfigBody? NetworkingConfig { get; set; }
}

internal sealed class EmptyObject;

internal sealed class HealthcheckBody
{
    public List<string>? Test { get; set; }
    public long? Interval { get; set; }
    public long? Timeout { get; set; }
    public long? StartPeriod { get; set; }
    public long? StartInterval { get; set; }
    public int? Retries { get; set; }
}

internal sealed class HostConfigBody
{
    public List<string>? Binds { get; set; }
    public LogConfigBody? LogConfig { get; set; }
    public string? NetworkMode { get; set; }
    public Dictionary<string, List<PortBindingBody>>? PortBindings { get; set; }
    public RestartPolicyBody? RestartPolicy { get; set; }
    public List<string>? VolumesFrom { get; set; }
    public List<string>? CapAdd { get; set; }
    public List<string>? CapDrop { get; set; }
    public List<string>? Dns { get; set; }
    public List<string>? DnsOptions { get; set; }
    public List<string>? DnsSearch { get; set; }
    public List<string>? ExtraHosts { get; set; }
    public List<string>? GroupAdd { get; set; }
    public List<string>? DeviceCgroupRules { get; set; }
    public string? IpcMode { get; set; }
    public List<string>? Links { get; set; }
    public int? OomScoreAdj { get; set; }
    public string? PidMode { get; set; }
    public bool Privileged { get; set; }
    public bool ReadonlyRootfs { get; set; }
    public List<string>? SecurityOpt { get; set; }
    public Dictionary<string, string>? Tmpfs { get; set; }
    public string? UTSMode { get; set; }
    public string? UsernsMode { get; set; }
    public long ShmSize { get; set; }
    public Dictionary<string, string>? Sysctls { get; set; }

    // Resources (inlined in HostConfig on the wire)
    public string? CgroupParent { get; set; }
    public long CpuShares { get; set; }
    public long Memory { get; set; }
    public long NanoCpus { get; set; }
    public long CpuPeriod { get; set; }
    public long CpuQuota { get; set; }
    public string? CpusetCpus { get; set; }
    public List<DeviceMappingBody>? Devices { get; set; }
    public List<DeviceRequestBody>? DeviceRequests { get; set; }
    public long MemoryReservation { get; set; }
    public long MemorySwap { get; set; }
    public long? MemorySwappiness { get; set; }
    public bool? OomKillDisable { get; set; }
    public long? PidsLimit { get; set; }
    public List<UlimitBody>? Ulimits { get; set; }

    public List<MountBody>? Mounts { get; set; }
    public bool? Init { get; set; }
}

internal sealed class LogConfigBody
{
    public required string Type { get; set; }
    public Dictionary<string, string>? Config { get; set; }
}

internal sealed class PortBindingBody
{
    public string? HostIp { get; set; }
    public string? HostPort { get; set; }
}

internal sealed class RestartPolicyBody
{
    public string Name { get; set; } = "";
    public int MaximumRetryCount { get; set; }
}

internal sealed class DeviceMappingBody
{
    public string? PathOnHost { get; set; }
    public string? PathInContainer { get; set; }
    public string? CgroupPermissions { get; set; }
}

internal sealed class DeviceRequestBody
{
    public string? Driver { get; set; }
    public int Count { get; set; }
    public List<string>? DeviceIDs { get; set; }
    public List<List<string>>? Capabilities { get; set; }
    public Dictionary<string, string>? Options { get; set; }
}

internal sealed class UlimitBody
{
    public required string Name { get; set; }
    public long Soft { get; set; }
    public long Hard { get; set; }
}

internal sealed class MountBody
{
    public required string Type { get; set; }
    public string? Source { get; set; }
    public required string Target { get; set; }
    public bool ReadOnly { get; set; }
    public string? Consistency { get; set; }
    public BindOptionsBody? BindOptions { get; set; }
    public VolumeOptionsBody? VolumeOptions { get; set; }
    public TmpfsOptionsBody? TmpfsOptions { get; set; }
}

internal sealed class BindOptionsBody
{
    public string? Propagation { get; set; }
    /// <summary>API 1.42+; older engines ignore it.</summary>
    public bool? CreateMountpoint { get; set; }
}

internal sealed class VolumeOptionsBody
{
    public bool NoCopy { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    /// <summary>API 1.45+; older engines ignore it.</summary>
    public string? Subpath { get; set; }
}

internal sealed class TmpfsOptionsBody
{
    public long? SizeBytes { get; set; }
    public int? Mode { get; set; }
}

internal sealed class NetworkingConfigBody
{
    public required Dictionary<string, EndpointSettingsBody> EndpointsConfig { get; set; }
}

internal sealed class EndpointSettingsBody
{
    public EndpointIpamBody? IPAMConfig { get; set; }
    public List<string>? Links { get; set; }
    public List<string>? Aliases { get; set; }
    public string? MacAddress { get; set; }
}

internal sealed class EndpointIpamBody
{
    public string? IPv4Address { get; set; }
    public string? IPv6Address { get; set; }
    public List<string>? LinkLocalIPs { get; set; }
}

internal sealed class ContainerCreateResponse
{
    public string Id { get; set; } = "";
    public List<string>? Warnings { get; set; }
}

internal sealed class NetworkCreateBody
{
    public required string Name { get; set; }
    /// <summary>Engine 20.10 happily creates a second network of the same name without it.</summary>
    public bool CheckDuplicate { get; set; } = true;
    public string? Driver { get; set; }
    public bool Internal { get; set; }
    public bool Attachable { get; set; }
    public bool EnableIPv6 { get; set; }
    public IpamBody? IPAM { get; set; }
    public Dictionary<string, string>? Options { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

internal sealed class IpamBody
{
    public string? Driver { get; set; }
    public List<IpamPoolBody>? Config { get; set; }
    public Dictionary<string, string>? Options { get; set; }
}

internal sealed class IpamPoolBody
{
    public string? Subnet { get; set; }
    public string? IPRange { get; set; }
    public string? Gateway { get; set; }
    public Dictionary<string, string>? AuxiliaryAddresses { get; set; }
}

internal sealed class NetworkCreateResponse
{
    public string Id { get; set; } = "";
    public string? Warning { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(ContainerCreateBody))]
[JsonSerializable(typeof(ContainerCreateResponse))]
[JsonSerializable(typeof(NetworkCreateBody))]
[JsonSerializable(typeof(NetworkCreateResponse))]
[JsonSerializable(typeof(EventBody))]
internal sealed partial class WireJson : JsonSerializerContext;
