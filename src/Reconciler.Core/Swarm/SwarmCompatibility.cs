using System.Collections.Immutable;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Swarm;

/// <summary>
/// Which service keys <c>docker stack deploy</c> (docker/cli 20.10, Debian 12's docker.io) ignores
/// with a warning, ignores as deprecated, or refuses, and the messages it prints for them
/// (cli/compose/types: UnsupportedProperties, DeprecatedProperties, ForbiddenProperties).
/// Each finding also points at the key's file:line, which the CLI cannot.
/// </summary>
internal static class SwarmCompatibility
{
    public static readonly ImmutableArray<string> Unsupported =
    [
        "build", "cgroupns_mode", "cgroup_parent", "devices", "domainname", "external_links", "ipc", "links",
        "mac_address", "network_mode", "pid", "privileged", "restart", "security_opt", "shm_size", "userns_mode",
    ];

    public static readonly ImmutableSortedDictionary<string, string> Deprecated = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
    [
        new KeyValuePair<string, string>("container_name", "Setting the container name is not supported."),
        new("expose", "Exposing ports is unnecessary - services on the same network can access each other's containers on any port."),
    ]);

    public static readonly ImmutableSortedDictionary<string, string> Forbidden = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
    [
        new KeyValuePair<string, string>("extends", "Support for `extends` is not implemented yet."),
        new("volume_driver", "Instead of setting the volume driver on the service, define a volume using the top-level `volumes` option and specify the driver there."),
        new("volumes_from", "To share a volume between services, define it using the top-level `volumes` option and reference it from each service that shares it using the service-level `volumes` option."),
        new("cpu_quota", "Set resource limits using deploy.resources"),
        new("cpu_shares", "Set resource limits using deploy.resources"),
        new("cpuset", "Set resource limits using deploy.resources"),
        new("mem_limit", "Set resource limits using deploy.resources"),
        new("memswap_limit", "Set resource limits using deploy.resources"),
    ]);

    /// <summary>
    /// The service keys of the compose file format 3.9, the newest the CLI reads. A compose-spec key
    /// outside it makes the CLI refuse the whole file ("Additional property … is not allowed");
    /// Reconciler ignores it on Swarm with a warning instead, so one file can serve both engines.
    /// </summary>
    private static readonly ImmutableHashSet<string> Format39 = ImmutableHashSet.Create(StringComparer.Ordinal,
        "build", "cap_add", "cap_drop", "cgroup_parent", "cgroupns_mode", "command", "configs", "container_name",
        "credential_spec", "depends_on", "deploy", "devices", "dns", "dns_search", "domainname", "entrypoint", "env_file",
        "environment", "expose", "external_links", "extra_hosts", "healthcheck", "hostname", "image", "init", "ipc",
        "isolation", "labels", "links", "logging", "mac_address", "network_mode", "networks", "pid", "ports", "privileged",
        "read_only", "restart", "secrets", "security_opt", "shm_size", "stdin_open", "stop_grace_period", "stop_signal",
        "sysctls", "tmpfs", "tty", "ulimits", "user", "userns_mode", "volumes", "working_dir");

    /// <summary>Keys of the 3.9 format the CLI reads and then drops without a word: a warning here, so nobody is surprised.</summary>
    private static readonly ImmutableSortedDictionary<string, string> SilentlyIgnored = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
    [
        new KeyValuePair<string, string>("depends_on", "Swarm starts services in no particular order"),
        new("tmpfs", "use a volume of type tmpfs instead"),
    ]);

    /// <summary>Adds the findings for one service; returns the CLI's own lines for the whole project.</summary>
    public static void Check(string service, MappingNode s, List<Diagnostic> diagnostics,
        SortedSet<string> unsupported, SortedDictionary<string, string> deprecated, SortedDictionary<string, string> forbidden)
    {
        foreach (var key in s.Keys)
        {
            var where = s.KeyMark(key);
            var path = $"services.{service}.{key}";
            if (key.StartsWith("x-", StringComparison.Ordinal)) continue;
            if (Forbidden.TryGetValue(key, out var why))
            {
                forbidden[key] = why;
                diagnostics.Add(Diagnostic.Error($"docker stack deploy refuses this option: {why}", where, path));
            }
            else if (Unsupported.Contains(key))
            {
                unsupported.Add(key);
                diagnostics.Add(Diagnostic.Warn("Ignoring unsupported option on Swarm", where, path));
            }
            else if (Deprecated.TryGetValue(key, out var note))
            {
                deprecated[key] = note;
                diagnostics.Add(Diagnostic.Warn($"Ignoring deprecated option on Swarm: {note}", where, path));
            }
            else if (SilentlyIgnored.TryGetValue(key, out var reason))
                diagnostics.Add(Diagnostic.Warn($"ignored on Swarm ({reason}); docker stack deploy drops it without a warning", where, path));
            else if (!Format39.Contains(key))
                diagnostics.Add(Diagnostic.Warn("ignored on Swarm: not in the compose file format 3.9 that docker stack deploy reads (it refuses the file)", where, path));
        }
    }

    /// <summary>The lines the CLI prints (cli/command/stack/loader: LoadComposefile), in its order and words.</summary>
    public static ImmutableArray<string> CliLines(SortedSet<string> unsupported, SortedDictionary<string, string> deprecated)
    {
        var lines = ImmutableArray.CreateBuilder<string>();
        if (unsupported.Count > 0) lines.Add($"Ignoring unsupported options: {string.Join(", ", unsupported)}");
        if (deprecated.Count > 0) lines.Add($"Ignoring deprecated options:\n\n{PropertyLines(deprecated)}");
        return lines.ToImmutable();
    }

    /// <summary>The CLI's error text for forbidden keys.</summary>
    public static string ForbiddenMessage(SortedDictionary<string, string> forbidden) =>
        $"Compose file contains unsupported options:\n\n{PropertyLines(forbidden)}";

    private static string PropertyLines(SortedDictionary<string, string> properties) =>
        string.Join("\n\n", properties.Select(p => $"{p.Key}: {p.Value}").Order(StringComparer.Ordinal));
}
