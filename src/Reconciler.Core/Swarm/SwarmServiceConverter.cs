using System.Collections.Immutable;
using System.Globalization;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Model;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Swarm;

/// <summary>
/// One compose service to the <see cref="SwarmServiceSpec"/> <c>docker stack deploy</c> sends
/// (docker/cli 20.10 cli/compose/convert/service.go: Service). Errors carry the key's file:line.
/// </summary>
internal static class SwarmServiceConverter
{
    public static SwarmServiceSpec? Convert(SwarmNames names, string service, MappingNode s, MappingNode root, List<Diagnostic> diagnostics)
    {
        var path = $"services.{service}";
        var before = diagnostics.Count;
        void Error(string key, string message) =>
            diagnostics.Add(Diagnostic.Error(message, s.ContainsKey(key) ? s.KeyMark(key) : s.Mark, key.Length == 0 ? path : $"{path}.{key}"));

        var image = s.Str("image");
        if (string.IsNullOrEmpty(image))
        {
            Error(s.ContainsKey("build") ? "build" : "", "Swarm runs images only: set image: (build: is ignored by docker stack deploy)");
            image = "";
        }
        var deploy = s.Map("deploy") ?? new MappingNode(s.Mark);
        var mode = Mode(deploy, m => Error("deploy", m));
        var mounts = SwarmMounts.Convert(names, s, root.Map("volumes"), m => Error("volumes", m));
        var restart = RestartPolicy(s, deploy, m => Error("restart", m));
        var resources = Resources(deploy.Map("resources"), m => Error("deploy", m));
        var (capAdd, capDrop) = Capabilities(s.Strings("cap_add"), s.Strings("cap_drop"));
        var networks = Networks(names, service, s, root.Map("networks"));
        var secrets = References(names, "secrets", "/run/secrets/", s, root, (file, name) => new SwarmSecretReference(file, name));
        var configs = References(names, "configs", "/", s, root, (file, name) => new SwarmConfigReference(file, name));
        var credential = CredentialSpec(names, s, root, m => Error("credential_spec", m));
        if (credential?.Config is { } credentialConfig)
            configs = [.. configs!.Value.Append(new SwarmConfigReference(null, credentialConfig) { Runtime = new SwarmRuntimeTarget() })
                .OrderBy(r => r.ConfigName, StringComparer.Ordinal)];
        var env = s.Pairs("environment").Select(kv => kv.Value is null ? kv.Key : $"{kv.Key}={kv.Value}").Order(StringComparer.Ordinal).ToImmutableArray();
        var placement = deploy.Map("placement");
        if (diagnostics.Skip(before).Any(d => d.Severity == Severity.Error)) return null;

        var container = new SwarmContainerSpec
        {
            Image = image,
            Labels = names.WithStackLabel(s.Pairs("labels")),
            Command = s.OptStrings("entrypoint")?.ToImmutableArray(),
            Args = s.OptStrings("command")?.ToImmutableArray(),
            Hostname = s.Str("hostname"),
            Hosts = s.Seq("extra_hosts") is { } hosts ? [.. InFileOrder(hosts).Select(Host).OfType<string>()] : null,
            DNSConfig = s.ContainsKey("dns") || s.ContainsKey("dns_search")
                ? new SwarmDnsConfig { Nameservers = Optional(s, "dns"), Search = Optional(s, "dns_search") }
                : null,
            Healthcheck = s.Map("healthcheck") is { } hc ? Health(hc, m => Error("healthcheck", m)) : null,
            Env = env.IsEmpty ? null : env,
            Dir = s.Str("working_dir"),
            User = s.Str("user"),
            Mounts = mounts.IsEmpty ? null : mounts,
            StopGracePeriod = s.Nanos("stop_grace_period"),
            StopSignal = s.Str("stop_signal"),
            TTY = s.Bool("tty"),
            OpenStdin = s.Bool("stdin_open"),
            ReadOnly = s.Bool("read_only"),
            Init = s.OptBool("init"),
            Secrets = secrets,
            Configs = configs,
            Isolation = s.Str("isolation"),
            Sysctls = s.Map("sysctls") is not null ? SwarmStackConverter.Strings(s.Pairs("sysctls")) : null,
            CapabilityAdd = capAdd,
            CapabilityDrop = capDrop,
            Ulimits = Ulimits(s),
            Privileges = credential is null ? null : new SwarmPrivileges { CredentialSpec = credential },
        };
        return new SwarmServiceSpec
        {
            Name = names.Scope(service),
            Labels = names.WithStackLabel(deploy.Pairs("labels")).SetItem(SwarmNames.ImageLabel, image),
            TaskTemplate = new SwarmTaskSpec
            {
                ContainerSpec = container,
                Resources = resources,
                RestartPolicy = restart,
                Placement = new SwarmPlacement
                {
                    Constraints = placement?.Seq("constraints") is not null ? [.. placement.Strings("constraints")] : null,
                    Preferences = [.. (placement?.Seq("preferences")?.Items.OfType<MappingNode>() ?? [])
                        .Select(p => new SwarmPlacementPreference(new SwarmSpreadOver(p.Str("spread") ?? "")))],
                    MaxReplicas = (ulong)(placement?.Long("max_replicas_per_node") ?? 0),
                },
                Networks = networks,
                LogDriver = s.Map("logging") is { } log
                    ? new SwarmDriver { Name = log.Str("driver") ?? "", Options = log.Map("options") is not null ? SwarmStackConverter.Strings(log.Pairs("options")) : null }
                    : null,
            },
            Mode = mode,
            UpdateConfig = UpdateConfig(deploy.Map("update_config")),
            RollbackConfig = UpdateConfig(deploy.Map("rollback_config")),
            EndpointSpec = Endpoint(deploy.Str("endpoint_mode"), s),
        };
    }

    private static ImmutableArray<string>? Optional(MappingNode s, string key) => s.Seq(key) is not null ? [.. s.Strings(key)] : null;

    /// <summary>
    /// The CLI keeps extra_hosts in the file's order; the loader's canonical form sorts them (compose
    /// holds them in a map). Each entry still knows where it was written, which gives the order back.
    /// </summary>
    private static IEnumerable<string> InFileOrder(SequenceNode hosts)
    {
        var items = hosts.Items.OfType<ScalarNode>().ToList();
        var oneFile = items.Select(i => i.Mark.File).Distinct(StringComparer.Ordinal).Count() <= 1;
        IEnumerable<ScalarNode> ordered = oneFile ? items.OrderBy(i => i.Mark.Line).ThenBy(i => i.Mark.Column) : items;
        return ordered.Select(YamlCoreSchema.AsGoString);
    }

    /// <summary>compose writes host=ip (the loader's canonical form; host:ip in older files); swarmkit wants "ip host".</summary>
    private static string? Host(string entry)
    {
        var i = entry.IndexOf('=');
        if (i < 0) i = entry.IndexOf(':');
        return i < 0 ? null : $"{entry[(i + 1)..]} {entry[..i]}";
    }

    private static SwarmServiceMode Mode(MappingNode deploy, Action<string> error)
    {
        var replicas = deploy.OptLong("replicas");
        switch (deploy.Str("mode"))
        {
            case "global":
                if (replicas is not null) error("replicas can only be used with replicated mode");
                return new SwarmServiceMode { Global = new SwarmGlobal() };
            case "replicated" or null or "":
                return new SwarmServiceMode { Replicated = new SwarmReplicated(replicas is { } r ? (ulong)r : null) };
            case var other:
                error($"Unknown mode: {Excerpt.Of(other)} (docker stack deploy knows replicated and global)");
                return new SwarmServiceMode();
        }
    }

    /// <summary>
    /// deploy.restart_policy wins; without it the CLI maps the service's <c>restart</c> (which it
    /// also lists as unsupported): no → none sent, always/unless-stopped → any, on-failure[:n].
    /// </summary>
    private static SwarmRestartPolicy? RestartPolicy(MappingNode s, MappingNode deploy, Action<string> error)
    {
        if (deploy.Map("restart_policy") is { } rp)
        {
            return new SwarmRestartPolicy
            {
                Condition = rp.Str("condition") ?? "",
                Delay = rp.Nanos("delay"),
                MaxAttempts = rp.OptLong("max_attempts") is { } a ? (ulong)a : null,
                Window = rp.Nanos("window"),
            };
        }
        var restart = s.Str("restart") ?? "";
        var parts = restart.Split(':', 2);
        switch (parts[0])
        {
            case "" or "no":
                return null;
            case "always" or "unless-stopped":
                return new SwarmRestartPolicy { Condition = "any" };
            case "on-failure":
                ulong attempts = 0;
                if (parts.Length == 2 && !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out attempts))
                    error($"maximum retry count must be an integer: {Excerpt.Quoted(parts[1])}");
                return new SwarmRestartPolicy { Condition = "on-failure", MaxAttempts = attempts };
            default:
                error($"unknown restart policy: {Excerpt.Of(restart)}");
                return null;
        }
    }

    private static SwarmUpdateConfig? UpdateConfig(MappingNode? u) => u is null ? null : new SwarmUpdateConfig
    {
        // The CLI's default when update_config is given without it.
        Parallelism = (ulong)(u.OptLong("parallelism") ?? 1),
        Delay = u.Nanos("delay") ?? 0,
        FailureAction = u.Str("failure_action"),
        Monitor = u.Nanos("monitor") ?? 0,
        MaxFailureRatio = (float)u.Double("max_failure_ratio"),
        Order = u.Str("order"),
    };

    private static SwarmResources Resources(MappingNode? r, Action<string> error)
    {
        var limits = r?.Map("limits");
        var reservations = r?.Map("reservations");
        return new SwarmResources
        {
            Limits = limits is null ? null : new SwarmLimit
            {
                NanoCPUs = NanoCpus(limits, error),
                MemoryBytes = limits.Long("memory"),
                Pids = limits.Long("pids"),
            },
            Reservations = reservations is null ? null : new SwarmReservation
            {
                NanoCPUs = NanoCpus(reservations, error),
                MemoryBytes = reservations.Long("memory"),
                GenericResources = reservations.Seq("generic_resources") is { } g
                    ? [.. g.Items.OfType<MappingNode>().Select(x => new SwarmGenericResource
                    {
                        DiscreteResourceSpec = x.Map("discrete_resource_spec") is { } d ? new SwarmDiscreteResource(d.Str("kind") ?? "", d.Long("value")) : null,
                    })]
                    : null,
            },
        };
    }

    /// <summary>opts.ParseCPUs: a decimal number of CPUs to nano-CPUs, refusing finer than 1e-9.</summary>
    private static long NanoCpus(MappingNode m, Action<string> error)
    {
        if (m.Str("cpus") is not { Length: > 0 } text) return 0;
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var cpus))
        {
            error($"invalid cpus value {Excerpt.Quoted(text)}");
            return 0;
        }
        var nano = cpus * 1_000_000_000m;
        if (nano != decimal.Truncate(nano)) error($"value is too precise: cpus {Excerpt.Of(text)}");
        return (long)nano;
    }

    private static SwarmHealthcheck Health(MappingNode hc, Action<string> error)
    {
        var test = hc.Strings("test");
        if (hc.Bool("disable"))
        {
            if (test.Count != 0) error("test and disable can't be set at the same time");
            return new SwarmHealthcheck { Test = ["NONE"] };
        }
        return new SwarmHealthcheck
        {
            Test = [.. test],
            Interval = hc.Nanos("interval") ?? 0,
            Timeout = hc.Nanos("timeout") ?? 0,
            StartPeriod = hc.Nanos("start_period") ?? 0,
            Retries = (int)hc.Long("retries"),
        };
    }

    /// <summary>
    /// opts.EffectiveCapAddCapDrop: upper-cased, CAP_ prefixed (ALL stays ALL), ALL alone when given,
    /// a capability both added and dropped is only added; each list sorted, null when empty.
    /// </summary>
    internal static (ImmutableArray<string>?, ImmutableArray<string>?) Capabilities(IEnumerable<string> add, IEnumerable<string> drop)
    {
        static SortedSet<string> Normalize(IEnumerable<string> caps)
        {
            var set = new SortedSet<string>(caps.Select(c =>
            {
                var n = c.Trim().ToUpperInvariant();
                return n is "ALL" or "RESET" || n.StartsWith("CAP_", StringComparison.Ordinal) ? n : "CAP_" + n;
            }), StringComparer.Ordinal);
            if (set.Contains("ALL")) set = new SortedSet<string>(["ALL"], StringComparer.Ordinal);
            set.Remove("RESET");
            return set;
        }
        var adds = Normalize(add);
        var drops = Normalize(drop);
        drops.ExceptWith(adds);
        return (adds.Count > 0 ? [.. adds] : null, drops.Count > 0 ? [.. drops] : null);
    }

    /// <summary>
    /// The service's networks (or <c>default</c>), each with its aliases plus the service name on
    /// user-defined networks, sorted by engine name as the CLI sorts them.
    /// </summary>
    private static ImmutableArray<SwarmNetworkAttachment> Networks(SwarmNames names, string service, MappingNode s, MappingNode? networks)
    {
        var keys = s.Map("networks") is { Count: > 0 } nets ? nets.Entries.ToList() : [new("default", ScalarNode.Null(s.Mark))];
        var result = new List<SwarmNetworkAttachment>();
        foreach (var (key, cfg) in keys)
        {
            var target = names.Of(key, networks?.Map(key)?.Str("name"));
            var aliases = cfg is MappingNode c ? c.Strings("aliases") : [];
            if (IsUserDefined(target)) aliases.Add(service);
            result.Add(new SwarmNetworkAttachment { Target = target, Aliases = aliases.Count > 0 ? [.. aliases] : null });
        }
        return [.. result.OrderBy(n => n.Target, StringComparer.Ordinal)];
    }

    /// <summary>container.NetworkMode.IsUserDefined on Linux: the built-in networks take no aliases.</summary>
    private static bool IsUserDefined(string network) =>
        network is not ("default" or "bridge" or "host" or "none") && !network.StartsWith("container:", StringComparison.Ordinal);

    /// <summary>
    /// Secret or config references (convertFileObject): the object's stack name, the target (the
    /// source's key when not given: the loader's default path <paramref name="defaultDir"/>+key reads
    /// as not given), uid and gid "0", mode 0444; sorted by object name, stably.
    /// </summary>
    private static ImmutableArray<T>? References<T>(SwarmNames names, string section, string defaultDir, MappingNode s, MappingNode root,
        Func<SwarmFileTarget, string, T> make)
    {
        var refs = new List<(string Name, T Ref)>();
        foreach (var r in s.Seq(section)?.Items.OfType<MappingNode>() ?? [])
        {
            var source = r.Str("source") ?? "";
            var top = root.Map(section)?.Map(source);
            var name = names.Of(source, top?.Str("name"));
            var target = r.Str("target");
            if (target is null || target == defaultDir + source) target = source;
            var mode = r.OptLong("mode") is { } m ? (uint)m : 0x124; // 0444
            refs.Add((name, make(new SwarmFileTarget(target, r.Str("uid") ?? "0", r.Str("gid") ?? "0", mode), name)));
        }
        // The CLI always sends a list for these two, an empty one included.
        return [.. refs.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => r.Ref)];
    }

    /// <summary>
    /// <c>credential_spec</c> as the CLI converts it (convertCredentialSpec): exactly one of config,
    /// file, registry; a config must be one the file defines, and goes as the scoped name the
    /// service also references it by (a runtime target, not a file in the container).
    /// </summary>
    private static SwarmCredentialSpec? CredentialSpec(SwarmNames names, MappingNode s, MappingNode root, Action<string> error)
    {
        if (s.Map("credential_spec") is not { } spec) return null;
        var config = spec.Str("config") is { Length: > 0 } c ? c : null;
        var file = spec.Str("file") is { Length: > 0 } f ? f : null;
        var registry = spec.Str("registry") is { Length: > 0 } r ? r : null;
        string[] set = [.. new[] { (config, "\"Config\""), (file, "\"File\""), (registry, "\"Registry\"") }.Where(p => p.Item1 is not null).Select(p => p.Item2)];
        switch (set.Length)
        {
            case 0: return null;
            case 2:
                error($"invalid credential spec: cannot specify both {set[0]} and {set[1]}");
                return null;
            case 3:
                error($"invalid credential spec: cannot specify both {set[0]}, {set[1]}, and {set[2]}");
                return null;
        }
        if (config is null) return new SwarmCredentialSpec { File = file, Registry = registry };
        if (root.Map("configs")?.Map(config) is not { } top)
        {
            error($"undefined config \"{config}\": define it under the top-level configs:");
            return null;
        }
        return new SwarmCredentialSpec { Config = names.Of(config, top.Str("name")) };
    }

    /// <summary>Ulimits sorted by name; a single number is both soft and hard.</summary>
    private static ImmutableArray<SwarmUlimit>? Ulimits(MappingNode s)
    {
        if (s.Map("ulimits") is not { } u) return null;
        return [.. u.Entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value switch
        {
            MappingNode m => new SwarmUlimit(e.Key, m.Long("hard"), m.Long("soft")),
            ScalarNode sc when long.TryParse(sc.Value, CultureInfo.InvariantCulture, out var v) => new SwarmUlimit(e.Key, v, v),
            _ => new SwarmUlimit(e.Key, 0, 0),
        })];
    }

    /// <summary>
    /// Ports sorted by published port (Go's sort of fewer than 12 items keeps ties in order);
    /// the endpoint mode lower-cased, empty meaning the engine's vip. host_ip is not a Swarm notion.
    /// </summary>
    private static SwarmEndpointSpec Endpoint(string? endpointMode, MappingNode s)
    {
        var ports = new List<SwarmPortConfig>();
        foreach (var p in s.Seq("ports")?.Items.OfType<MappingNode>() ?? [])
        {
            _ = uint.TryParse(p.Str("published"), NumberStyles.None, CultureInfo.InvariantCulture, out var published);
            ports.Add(new SwarmPortConfig
            {
                Protocol = p.Str("protocol") ?? "",
                TargetPort = (uint)p.Long("target"),
                PublishedPort = published,
                PublishMode = p.Str("mode"),
            });
        }
        return new SwarmEndpointSpec
        {
            Mode = endpointMode?.ToLowerInvariant(),
            Ports = [.. ports.OrderBy(p => p.PublishedPort)],
        };
    }
}
