using System.Collections.Immutable;
using Reconciler.Core.Desired;

namespace Reconciler.Docker.Wire;

/// <summary>
/// Maps a <see cref="ContainerSpec"/> onto the API 1.41 create body field by field, and splits its
/// networks into the one that goes into <c>NetworkingConfig</c> and the ones to connect afterwards.
/// </summary>
internal static class ContainerCreateMapper
{
    public static (ContainerCreateBody Body, ImmutableArray<NetworkAttachment> ConnectAfterCreate) Map(ContainerSpec spec)
    {
        var (primary, rest) = SplitNetworks(spec);
        var host = spec.Host;
        var body = new ContainerCreateBody
        {
            Hostname = spec.Hostname,
            Domainname = spec.Domainname,
            User = spec.User,
            AttachStdin = spec.AttachStdin,
            AttachStdout = spec.AttachStdout,
            AttachStderr = spec.AttachStderr,
            ExposedPorts = spec.ExposedPorts.IsDefaultOrEmpty ? null : spec.ExposedPorts.ToDictionary(p => p, _ => new EmptyObject()),
            Tty = spec.Tty,
            OpenStdin = spec.OpenStdin,
            Env = ListOrNull(spec.Env),
            // Null: the image's; empty: cleared. Both meanings survive (null is left off, [] is sent).
            Cmd = spec.Cmd is { } cmd ? (cmd.IsDefault ? [] : [.. cmd]) : null,
            Entrypoint = spec.Entrypoint is { } ep ? (ep.IsDefault ? [] : [.. ep]) : null,
            Healthcheck = spec.Healthcheck is { } h ? MapHealth(h) : null,
            Image = spec.Image,
            WorkingDir = spec.WorkingDir,
            MacAddress = spec.MacAddress,
            Labels = spec.Labels.Count == 0 ? null : new Dictionary<string, string>(spec.Labels),
            StopSignal = spec.StopSignal,
            StopTimeout = spec.StopTimeout,
            HostConfig = MapHost(host),
            NetworkingConfig = primary is { } p
                ? new NetworkingConfigBody { EndpointsConfig = new() { [p.NetworkName] = MapEndpoint(p.Endpoint) } }
                : null,
        };
        return (body, rest);
    }

    /// <summary>
    /// API 1.41 takes one endpoint at create. As docker compose 2.26 does on engines older than API 1.44,
    /// the endpoint passed at create is the one of the network <c>HostConfig.NetworkMode</c> names (the core
    /// sets it to the primary network: highest priority, then name); every other network is connected
    /// afterwards, before start, in priority order (highest first), then by name. When NetworkMode names
    /// none of the networks (bridge, host, container:…), nothing goes into NetworkingConfig.
    /// </summary>
    internal static (NetworkAttachment? Primary, ImmutableArray<NetworkAttachment> Others) SplitNetworks(ContainerSpec spec)
    {
        var ordered = spec.Networks
            .OrderByDescending(kv => kv.Value.Priority ?? 0)
            .ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new NetworkAttachment(kv.Key, kv.Value))
            .ToList();
        var primary = ordered.FirstOrDefault(a => a.NetworkName == spec.Host.NetworkMode);
        if (primary is not null)
        {
            ordered.Remove(primary);
        }
        return (primary, [.. ordered]);
    }

    public static EndpointSettingsBody MapEndpoint(EndpointSpec e)
    {
        var hasIpam = e.IPv4Address is not null || e.IPv6Address is not null || !e.LinkLocalIPs.IsDefaultOrEmpty;
        return new EndpointSettingsBody
        {
            IPAMConfig = hasIpam
                ? new EndpointIpamBody { IPv4Address = e.IPv4Address, IPv6Address = e.IPv6Address, LinkLocalIPs = ListOrNull(e.LinkLocalIPs) }
                : null,
            Aliases = ListOrNull(e.Aliases),
            Links = ListOrNull(e.Links),
            MacAddress = e.MacAddress,
        };
    }

    private static HealthcheckBody MapHealth(HealthSpec h) => new()
    {
        Test = ListOrNull(h.Test),
        // 0 means "inherit / engine default" in the API: leave it off.
        Interval = NonZero(h.Interval),
        Timeout = NonZero(h.Timeout),
        StartPeriod = NonZero(h.StartPeriod),
        StartInterval = NonZero(h.StartInterval),
        Retries = h.Retries == 0 ? null : h.Retries,
    };

    private static HostConfigBody MapHost(HostSpec h)
    {
        var r = h.Resources;
        return new HostConfigBody
        {
            Binds = ListOrNull(h.Binds),
            Mounts = h.Mounts.IsDefaultOrEmpty ? null : h.Mounts.Select(MapMount).ToList(),
            Tmpfs = h.Tmpfs.Count == 0 ? null : new Dictionary<string, string>(h.Tmpfs),
            PortBindings = h.PortBindings.Count == 0
                ? null
                : h.PortBindings.ToDictionary(
                    kv => kv.Key,
                    kv => kv.Value.IsDefault ? [] : kv.Value.Select(b => new PortBindingBody { HostIp = b.HostIp, HostPort = b.HostPort }).ToList()),
            NetworkMode = h.NetworkMode,
            RestartPolicy = new RestartPolicyBody { Name = h.RestartPolicy.Name, MaximumRetryCount = h.RestartPolicy.MaximumRetryCount },
            Init = h.Init,
            ReadonlyRootfs = h.ReadonlyRootfs,
            Privileged = h.Privileged,
            CapAdd = ListOrNull(h.CapAdd),
            CapDrop = ListOrNull(h.CapDrop),
            SecurityOpt = ListOrNull(h.SecurityOpt),
            Sysctls = h.Sysctls.Count == 0 ? null : new Dictionary<string, string>(h.Sysctls),
            Ulimits = h.Ulimits.IsDefaultOrEmpty ? null : h.Ulimits.Select(u => new UlimitBody { Name = u.Name, Soft = u.Soft, Hard = u.Hard }).ToList(),
            ExtraHosts = ListOrNull(h.ExtraHosts),
            Dns = ListOrNull(h.Dns),
            DnsSearch = ListOrNull(h.DnsSearch),
            DnsOptions = ListOrNull(h.DnsOptions),
            LogConfig = h.LogConfig is { } lc
                ? new LogConfigBody { Type = lc.Type, Config = lc.Config.Count == 0 ? null : new Dictionary<string, string>(lc.Config) }
                : null,
            ShmSize = h.ShmSize,
            Devices = h.Devices.IsDefaultOrEmpty
                ? null
                : h.Devices.Select(d => new DeviceMappingBody { PathOnHost = d.PathOnHost, PathInContainer = d.PathInContainer, CgroupPermissions = d.CgroupPermissions }).ToList(),
            GroupAdd = ListOrNull(h.GroupAdd),
            DeviceCgroupRules = ListOrNull(h.DeviceCgroupRules),
            PidMode = h.PidMode,
            IpcMode = h.IpcMode,
            UTSMode = h.UTSMode,
            UsernsMode = h.UsernsMode,
            CgroupParent = h.CgroupParent,
            Links = ListOrNull(h.Links),
            VolumesFrom = ListOrNull(h.VolumesFrom),
            Memory = r.Memory,
            MemoryReservation = r.MemoryReservation,
            MemorySwap = r.MemorySwap,
            MemorySwappiness = r.MemorySwappiness,
            NanoCpus = r.NanoCpus,
            CpuShares = r.CpuShares,
            CpuQuota = r.CpuQuota,
            CpuPeriod = r.CpuPeriod,
            CpusetCpus = r.CpusetCpus,
            PidsLimit = r.PidsLimit,
            OomKillDisable = r.OomKillDisable,
            OomScoreAdj = r.OomScoreAdj,
            DeviceRequests = r.DeviceRequests.IsDefaultOrEmpty
                ? null
                : r.DeviceRequests.Select(d => new DeviceRequestBody
                {
                    Driver = d.Driver,
                    Count = d.Count,
                    DeviceIDs = ListOrNull(d.DeviceIds),
                    Capabilities = d.Capabilities.IsDefaultOrEmpty ? null : d.Capabilities.Select(c => c.IsDefault ? new List<string>() : c.ToList()).ToList(),
                    Options = d.Options is null || d.Options.Count == 0 ? null : new Dictionary<string, string>(d.Options),
                }).ToList(),
        };
    }

    private static MountBody MapMount(MountSpec m) => new()
    {
        Type = m.Type,
        Source = m.Source,
        Target = m.Target,
        ReadOnly = m.ReadOnly,
        Consistency = m.Consistency,
        BindOptions = m.BindPropagation is not null || m.BindCreateMountpoint is not null
            ? new BindOptionsBody { Propagation = m.BindPropagation, CreateMountpoint = m.BindCreateMountpoint }
            : null,
        VolumeOptions = m.VolumeNoCopy || m.VolumeSubpath is not null || m.VolumeLabels is not null
            ? new VolumeOptionsBody
            {
                NoCopy = m.VolumeNoCopy,
                Subpath = m.VolumeSubpath,
                Labels = m.VolumeLabels is { Count: > 0 } labels ? new Dictionary<string, string>(labels) : null,
            }
            : null,
        TmpfsOptions = m.TmpfsSize is not null || m.TmpfsMode is not null
            ? new TmpfsOptionsBody { SizeBytes = m.TmpfsSize, Mode = m.TmpfsMode }
            : null,
    };

    private static List<string>? ListOrNull(ImmutableArray<string> items) => items.IsDefaultOrEmpty ? null : [.. items];

    private static long? NonZero(long value) => value == 0 ? null : value;
}
