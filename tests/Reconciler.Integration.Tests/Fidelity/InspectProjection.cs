using System.Reflection;
using System.Runtime.Serialization;
using System.Text.Json.Nodes;
using Docker.DotNet.Models;

namespace Reconciler.Integration.Tests.Fidelity;

/// <summary>
/// The normalized projection of <c>docker inspect</c> that testdata/record.sh writes with jq, built
/// here from Docker.DotNet's inspect model. The two must stay in step: same fields, same sorting,
/// same placeholders (see the header of record.sh for the rules).
/// </summary>
internal static class InspectProjection
{
    private static readonly string[] MaskedLabels =
    [
        "com.docker.compose.config-hash",
        "com.docker.compose.image",
        "com.docker.compose.version",
    ];

    /// <summary>
    /// Reconciler's own labels (the <c>dev.reconciler.spec</c> field record, the deploy commit): extra
    /// by design, compose has no counterpart, so they are not part of the comparison.
    /// </summary>
    private const string OwnLabelPrefix = "dev.reconciler.";

    public static JsonObject Project(IReadOnlyList<ContainerInspectResponse> containers, string caseDir, string project)
    {
        var names = containers.ToDictionary(c => c.ID, c => c.Name.TrimStart('/'), StringComparer.Ordinal);
        var shortIds = containers.ToDictionary(c => c.ID[..12], c => c.Name.TrimStart('/'), StringComparer.Ordinal);
        string? ContainerRef(string? mode) =>
            mode is not null && mode.StartsWith("container:", StringComparison.Ordinal)
                ? "container:" + names.GetValueOrDefault(mode["container:".Length..], mode["container:".Length..])
                : mode;

        var result = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var c in containers)
        {
            var cfg = c.Config ?? throw new InvalidOperationException($"{c.Name}: no Config in inspect");
            var host = c.HostConfig ?? throw new InvalidOperationException($"{c.Name}: no HostConfig in inspect");
            var labels = new Dictionary<string, string>(cfg.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            var key = $"{labels.GetValueOrDefault("com.docker.compose.service")}-{labels.GetValueOrDefault("com.docker.compose.container-number")}";
            var ownShortId = c.ID[..12];

            string? hostname = cfg.Hostname == ownShortId ? "${CONTAINER_ID}"
                : cfg.Hostname is { } h && shortIds.TryGetValue(h, out var other) ? "${CONTAINER_ID:" + other + "}"
                : host.NetworkMode == "host" ? "${HOST_HOSTNAME}"
                : Nz(cfg.Hostname);

            var config = new JsonObject
            {
                ["Image"] = cfg.Image,
                ["Cmd"] = List(cfg.Cmd),
                ["Entrypoint"] = List(cfg.Entrypoint),
                ["Env"] = List(cfg.Env, sort: true),
                ["User"] = Nz(cfg.User),
                ["WorkingDir"] = Nz(cfg.WorkingDir),
                ["Hostname"] = hostname,
                ["Domainname"] = Nz(cfg.Domainname),
                ["Labels"] = Map(labels
                    .Where(l => !l.Key.StartsWith(OwnLabelPrefix, StringComparison.Ordinal))
                    .ToDictionary(
                        l => l.Key,
                        l => MaskedLabels.Contains(l.Key) ? "*"
                            : l.Key == "com.docker.compose.depends_on" ? string.Join(',', l.Value.Split(',').Order(StringComparer.Ordinal))
                            : l.Value), keepEmpty: true),
                ["Healthcheck"] = cfg.Healthcheck is { } hc
                    ? Prune(new JsonObject
                    {
                        ["Test"] = List(hc.Test),
                        ["Interval"] = Nanos(hc.Interval),
                        ["Timeout"] = Nanos(hc.Timeout),
                        ["StartPeriod"] = Nanos(hc.StartPeriod),
                        ["StartInterval"] = Nanos(hc.StartInterval),
                        ["Retries"] = hc.Retries,
                    })
                    : null,
                ["ExposedPorts"] = List(cfg.ExposedPorts?.Keys, sort: true),
                ["StopSignal"] = Nz(cfg.StopSignal),
                ["StopTimeout"] = cfg.StopTimeout is { } st ? (long)st.TotalSeconds : null,
                ["Tty"] = cfg.Tty,
                ["OpenStdin"] = cfg.OpenStdin,
            };

            var hostConfig = new JsonObject
            {
                ["Binds"] = List(host.Binds, sort: true),
                ["Mounts"] = host.Mounts is { Count: > 0 } mounts
                    ? new JsonArray([.. mounts.Select(MountNode).OrderBy(m => (string?)m?["Target"], StringComparer.Ordinal)])
                    : null,
                ["Tmpfs"] = Map(host.Tmpfs),
                ["PortBindings"] = host.PortBindings is { Count: > 0 } pb
                    ? new JsonObject(pb.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key,
                        (JsonNode?)new JsonArray([.. (kv.Value ?? []).Select(b => (JsonNode?)new JsonObject { ["HostIp"] = b.HostIP, ["HostPort"] = b.HostPort })]))))
                    : null,
                ["NetworkMode"] = ContainerRef(host.NetworkMode),
                ["IpcMode"] = Nz(ContainerRef(host.IpcMode)),
                ["PidMode"] = Nz(ContainerRef(host.PidMode)),
                ["RestartPolicy"] = new JsonObject
                {
                    ["MaximumRetryCount"] = host.RestartPolicy?.MaximumRetryCount ?? 0,
                    ["Name"] = host.RestartPolicy is { } rp ? EnumText(rp.Name) : "",
                },
                ["Memory"] = host.Memory,
                ["MemoryReservation"] = host.MemoryReservation,
                ["MemorySwap"] = host.MemorySwap,
                ["NanoCpus"] = host.NanoCPUs,
                ["CpuShares"] = host.CPUShares,
                ["CpuPeriod"] = host.CPUPeriod,
                ["CpuQuota"] = host.CPUQuota,
                ["CpusetCpus"] = Nz(host.CpusetCpus),
                ["DeviceCgroupRules"] = List(host.DeviceCgroupRules),
                ["PidsLimit"] = host.PidsLimit,
                ["OomKillDisable"] = host.OomKillDisable,
                ["OomScoreAdj"] = host.OomScoreAdj,
                ["LogConfig"] = host.LogConfig is { } lc ? Prune(new JsonObject { ["Type"] = lc.Type, ["Config"] = Map(lc.Config) }) : null,
                ["CapAdd"] = List(host.CapAdd, sort: true),
                ["CapDrop"] = List(host.CapDrop, sort: true),
                ["Sysctls"] = Map(host.Sysctls),
                ["Ulimits"] = host.Ulimits is { Count: > 0 } ul
                    ? new JsonArray([.. ul.OrderBy(u => u.Name, StringComparer.Ordinal).Select(u => (JsonNode?)new JsonObject { ["Hard"] = u.Hard, ["Name"] = u.Name, ["Soft"] = u.Soft })])
                    : null,
                ["ExtraHosts"] = List(host.ExtraHosts, sort: true),
                ["Init"] = host.Init,
                ["ShmSize"] = host.ShmSize,
                ["SecurityOpt"] = List(host.SecurityOpt, sort: true),
                ["Dns"] = List(host.DNS),
                ["DnsSearch"] = List(host.DNSSearch),
                ["DnsOptions"] = List(host.DNSOptions),
                ["ReadonlyRootfs"] = host.ReadonlyRootfs,
                ["Links"] = List(host.Links, sort: true),
                ["VolumesFrom"] = List(host.VolumesFrom?.Select(v =>
                {
                    var parts = v.Split(':');
                    parts[0] = names.GetValueOrDefault(parts[0]) ?? shortIds.GetValueOrDefault(parts[0]) ?? parts[0];
                    return string.Join(':', parts);
                })),
                ["GroupAdd"] = List(host.GroupAdd),
                ["Privileged"] = host.Privileged,
            };

            var networks = new JsonObject();
            foreach (var (name, endpoint) in (c.NetworkSettings?.Networks ?? new Dictionary<string, EndpointSettings>()).OrderBy(n => n.Key, StringComparer.Ordinal))
            {
                networks[name] = new JsonObject
                {
                    ["Aliases"] = List(endpoint.Aliases?.Where(a => a != ownShortId), sort: true),
                    ["Links"] = List(endpoint.Links, sort: true),
                };
            }

            result[key] = new JsonObject
            {
                ["Name"] = c.Name.TrimStart('/'),
                ["Config"] = config,
                ["HostConfig"] = hostConfig,
                ["Networks"] = networks,
            };
        }
        var projection = new JsonObject(result);
        return (JsonObject)Place(projection, caseDir, project)!;
    }

    private static JsonObject? MountNode(Mount m) => Prune(new JsonObject
    {
        ["Type"] = m.Type,
        ["Source"] = m.Source,
        ["Target"] = m.Target,
        ["ReadOnly"] = m.ReadOnly,
        ["Consistency"] = m.Consistency,
        ["BindOptions"] = m.BindOptions is { } b
            ? new JsonObject
            {
                ["Propagation"] = b.Propagation,
                ["NonRecursive"] = b.NonRecursive,
                ["CreateMountpoint"] = b.CreateMountpoint,
                ["ReadOnlyNonRecursive"] = b.ReadOnlyNonRecursive,
                ["ReadOnlyForceRecursive"] = b.ReadOnlyForceRecursive,
            }
            : null,
        ["VolumeOptions"] = m.VolumeOptions is { } v
            ? new JsonObject
            {
                ["NoCopy"] = v.NoCopy,
                ["Labels"] = Map(v.Labels),
                ["Subpath"] = v.Subpath,
                ["DriverConfig"] = v.DriverConfig is { } d ? new JsonObject { ["Name"] = d.Name, ["Options"] = Map(d.Options) } : null,
            }
            : null,
        ["TmpfsOptions"] = m.TmpfsOptions is { } t
            ? new JsonObject { ["SizeBytes"] = t.SizeBytes, ["Mode"] = t.Mode is { } mode ? (long)mode : null }
            : null,
    });

    /// <summary>Replaces the case folder and the project name, in values and in object keys.</summary>
    public static JsonNode? Place(JsonNode? node, string caseDir, string project)
    {
        string Sub(string s) => s.Replace(caseDir, "${CASE_DIR}", StringComparison.Ordinal).Replace(project, "${PROJECT}", StringComparison.Ordinal);
        return node switch
        {
            JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(Sub(kv.Key), Place(kv.Value, caseDir, project)))),
            JsonArray a => new JsonArray([.. a.Select(i => Place(i, caseDir, project))]),
            JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(Sub(s)),
            null => null,
            _ => node.DeepClone(),
        };
    }

    /// <summary>jq's prune: drops null, "", [], {}, false and 0 members, recursively; null when nothing is left.</summary>
    private static JsonObject? Prune(JsonObject o)
    {
        var kept = new JsonObject();
        foreach (var (key, value) in o)
        {
            var v = value is JsonObject child ? Prune(child) : value?.DeepClone();
            if (!IsEmpty(v)) kept[key] = v;
        }
        return kept.Count == 0 ? null : kept;
    }

    private static bool IsEmpty(JsonNode? v) => v switch
    {
        null => true,
        JsonArray a => a.Count == 0,
        JsonObject o => o.Count == 0,
        JsonValue x when x.TryGetValue<string>(out var s) => s.Length == 0,
        JsonValue x when x.TryGetValue<bool>(out var b) => !b,
        JsonValue x when x.TryGetValue<long>(out var l) => l == 0,
        JsonValue x when x.TryGetValue<int>(out var i) => i == 0,
        JsonValue x when x.TryGetValue<uint>(out var u) => u == 0,
        JsonValue x when x.TryGetValue<ulong>(out var ul) => ul == 0,
        _ => false,
    };

    private static string? Nz(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static long? Nanos(TimeSpan? t) => t is { } v ? v.Ticks * 100 : null;

    private static JsonArray? List(IEnumerable<string>? items, bool sort = false)
    {
        if (items is null) return null;
        var list = sort ? items.Order(StringComparer.Ordinal).ToList() : items.ToList();
        return list.Count == 0 ? null : new JsonArray([.. list.Select(i => (JsonNode?)JsonValue.Create(i))]);
    }

    private static JsonObject? Map(IDictionary<string, string>? map, bool keepEmpty = false) =>
        map is null || (map.Count == 0 && !keepEmpty)
            ? (keepEmpty ? new JsonObject() : null)
            : new JsonObject(map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));

    private static string EnumText<T>(T value) where T : struct, Enum =>
        typeof(T).GetField(value.ToString())?.GetCustomAttribute<EnumMemberAttribute>()?.Value ?? value.ToString();
}
