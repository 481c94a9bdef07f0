using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Model;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Desired;

/// <summary>
/// Turns a loaded compose project into engine-level specs the way docker compose v2 builds its
/// create requests (pkg/compose/create.go): same command, env, labels, mounts (binds for
/// short-syntax bind mounts, mounts otherwise), ports, networks and aliases, restart policy,
/// resources. Pure: bind-mounted project files are read through <see cref="IFileSource"/> only
/// to digest their content (<see cref="DesiredService.ContentHash"/>).
/// </summary>
public static class DesiredStateBuilder
{
    /// <summary>Stands for the linking replica's number in link aliases; the planner fills it in per replica.</summary>
    public const string ReplicaToken = "{n}";

    /// <summary>Project files larger than this are hashed by size and name only, to bound the cost.</summary>
    private const long MaxHashedBytes = 16 * 1024 * 1024;

    public static DesiredProject Build(ComposeProject project, IFileSource files, IReadOnlyDictionary<string, string>? extraLabels = null)
    {
        var root = project.Canonical;
        var networks = root.Map("networks") ?? new MappingNode(root.Mark);
        var volumes = root.Map("volumes") ?? new MappingNode(root.Mark);
        var services = root.Map("services") ?? new MappingNode(root.Mark);

        var desiredNetworks = ImmutableSortedDictionary.CreateBuilder<string, NetworkSpec>(StringComparer.Ordinal);
        var externalNetworks = new List<string>();
        foreach (var (key, node) in networks.Entries)
        {
            if (node is not MappingNode n) continue;
            var name = n.Str("name") ?? $"{project.Name}_{key}";
            if (n.Bool("external")) { externalNetworks.Add(name); continue; }
            desiredNetworks[key] = NetworkFor(project.Name, key, name, n);
        }
        var desiredVolumes = ImmutableSortedDictionary.CreateBuilder<string, VolumeSpec>(StringComparer.Ordinal);
        var externalVolumes = new List<string>();
        foreach (var (key, node) in volumes.Entries)
        {
            if (node is not MappingNode v) continue;
            var name = v.Str("name") ?? $"{project.Name}_{key}";
            if (v.Bool("external")) { externalVolumes.Add(name); continue; }
            var labels = Labels(v.Pairs("labels"));
            labels[ComposeLabels.Project] = project.Name;
            labels[ComposeLabels.Volume] = key;
            labels[ComposeLabels.Version] = ComposeLabels.CompatibleComposeVersion;
            desiredVolumes[key] = new VolumeSpec
            {
                Name = name,
                Driver = v.Str("driver") ?? "local",
                DriverOpts = Labels(v.Pairs("driver_opts")).ToImmutableSortedDictionary(StringComparer.Ordinal),
                Labels = labels.ToImmutableSortedDictionary(StringComparer.Ordinal),
            };
        }

        var desiredServices = ImmutableSortedDictionary.CreateBuilder<string, DesiredService>(StringComparer.Ordinal);
        foreach (var (serviceName, node) in services.Entries)
        {
            if (node is not MappingNode s) continue;
            desiredServices[serviceName] = ServiceFor(project, serviceName, s, networks, volumes, files, extraLabels);
        }

        return new DesiredProject
        {
            Name = project.Name,
            WorkingDir = project.WorkingDir,
            ConfigFiles = project.ConfigFiles,
            Networks = desiredNetworks.ToImmutable(),
            ExternalNetworks = [.. externalNetworks],
            Volumes = desiredVolumes.ToImmutable(),
            ExternalVolumes = [.. externalVolumes],
            Services = desiredServices.ToImmutable(),
        };
    }

    private static NetworkSpec NetworkFor(string project, string key, string name, MappingNode n)
    {
        var labels = Labels(n.Pairs("labels"));
        labels[ComposeLabels.Project] = project;
        labels[ComposeLabels.Network] = key;
        labels[ComposeLabels.Version] = ComposeLabels.CompatibleComposeVersion;
        IpamSpec? ipam = null;
        if (n.Map("ipam") is { Count: > 0 } i)
        {
            ipam = new IpamSpec
            {
                Driver = i.Str("driver"),
                Options = Labels(i.Pairs("options")).ToImmutableSortedDictionary(StringComparer.Ordinal),
                Config = [.. (i.Seq("config")?.Items.OfType<MappingNode>() ?? []).Select(c => new IpamPoolSpec(
                    c.Str("subnet"), c.Str("ip_range"), c.Str("gateway"),
                    Labels(c.Pairs("aux_addresses")).ToImmutableSortedDictionary(StringComparer.Ordinal)))],
            };
        }
        return new NetworkSpec
        {
            Name = name,
            Driver = n.Str("driver") ?? "bridge",
            DriverOpts = Labels(n.Pairs("driver_opts")).ToImmutableSortedDictionary(StringComparer.Ordinal),
            Internal = n.Bool("internal"),
            Attachable = n.Bool("attachable"),
            EnableIPv6 = n.Bool("enable_ipv6"),
            Ipam = ipam,
            Labels = labels.ToImmutableSortedDictionary(StringComparer.Ordinal),
        };
    }

    private static SortedDictionary<string, string> Labels(SortedDictionary<string, string?> pairs)
    {
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in pairs) d[k] = v ?? "";
        return d;
    }

    /// <summary>
    /// compose's links: each container of the linked service under the alias, under
    /// <c>service-N</c> and under <c>project-service-N</c>; external links as written.
    /// </summary>
    private static ImmutableArray<string> Links(string project, MappingNode s, MappingNode services)
    {
        var links = new List<string>();
        foreach (var raw in s.Strings("links"))
        {
            var parts = raw.Split(':');
            var target = parts[0];
            var alias = parts.Length == 2 ? parts[1] : target;
            if (services.Map(target) is not { } t) continue;
            var replicas = t.Str("container_name") is not null ? 1 : (int)(t.OptLong("scale") ?? t.Map("deploy")?.OptLong("replicas") ?? 1);
            for (var i = 1; i <= replicas; i++)
            {
                var container = t.Str("container_name") ?? $"{project}-{target}-{i}";
                links.Add($"{container}:{alias}");
                links.Add($"{container}:{target}-{ReplicaToken}");
                links.Add($"{container}:{project}-{target}-{ReplicaToken}");
            }
        }
        foreach (var raw in s.Strings("external_links"))
        {
            var parts = raw.Split(':');
            links.Add($"{parts[0]}:{(parts.Length == 2 ? parts[1] : parts[0])}");
        }
        return [.. links];
    }

    private static DesiredService ServiceFor(ComposeProject project, string name, MappingNode s, MappingNode networks,
        MappingNode volumes, IFileSource files, IReadOnlyDictionary<string, string>? extraLabels)
    {
        var services = project.Canonical.Map("services")!;
        var image = s.Str("image") ?? $"{project.Name}-{name}";
        var containerName = s.Str("container_name");
        // As written: the loader has refused what compose refuses (negative, scale and replicas apart,
        // more than one with a container_name, past 32 bits), and the planner judges the rest.
        var replicas = checked((int)(s.OptLong("scale") ?? s.Map("deploy")?.OptLong("replicas") ?? 1));

        var deps = ImmutableSortedDictionary.CreateBuilder<string, Dependency>(StringComparer.Ordinal);
        if (s.Map("depends_on") is { } dependsOn)
            foreach (var (dep, d) in dependsOn.Entries)
                if (d is MappingNode dm)
                    deps[dep] = new Dependency(dm.Str("condition") ?? "service_started", dm.OptBool("required") ?? true, dm.Bool("restart"));

        var labels = Labels(s.Pairs("labels"));
        labels[ComposeLabels.Project] = project.Name;
        labels[ComposeLabels.Service] = name;
        labels[ComposeLabels.Oneoff] = "False";
        labels[ComposeLabels.Version] = ComposeLabels.CompatibleComposeVersion;
        labels[ComposeLabels.WorkingDir] = project.WorkingDir;
        labels[ComposeLabels.ConfigFiles] = string.Join(',', project.ConfigFiles);
        labels[ComposeLabels.DependsOn] = string.Join(',', deps.Select(d => $"{d.Key}:{d.Value.Condition}:{(d.Value.Restart ? "true" : "false")}"));
        if (extraLabels is not null)
            foreach (var (k, v) in extraLabels) labels[k] = v;

        var env = s.Pairs("environment").Select(kv => kv.Value is null ? kv.Key : $"{kv.Key}={kv.Value}").ToImmutableArray();
        var exposed = new SortedSet<string>(StringComparer.Ordinal);
        // compose passes expose entries verbatim ("9000"); the engine reads a bare port as tcp.
        foreach (var e in s.Strings("expose")) exposed.Add(e);
        var bindings = new SortedDictionary<string, List<PortBindingSpec>>(StringComparer.Ordinal);
        foreach (var p in s.Seq("ports")?.Items.OfType<MappingNode>() ?? [])
        {
            var key = $"{p.Long("target")}/{p.Str("protocol") ?? "tcp"}";
            exposed.Add(key);
            if (!bindings.TryGetValue(key, out var list)) bindings[key] = list = [];
            list.Add(new PortBindingSpec(p.Str("host_ip") ?? "", p.Str("published") ?? ""));
        }

        var (binds, mounts) = Mounts(s, volumes);
        mounts = mounts.AddRange(FileMounts(s, project.Canonical, mounts.Select(m => m.Target).Concat(binds.Select(b => b.Split(':')[1])).ToHashSet(StringComparer.Ordinal)))
            .Sort((a, b) => string.CompareOrdinal(a.Target, b.Target));
        var tmpfs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in s.Strings("tmpfs"))
        {
            var i = t.IndexOf(':');
            if (i < 0) tmpfs[t] = ""; else tmpfs[t[..i]] = t[(i + 1)..];
        }

        var links = Links(project.Name, s, services);
        var (networkMode, endpoints) = Networking(project.Name, name, containerName, s, networks, links);
        var health = s.Map("healthcheck") is { } hc ? Health(hc) : null;
        var grace = s.Nanos("stop_grace_period");

        var template = new ContainerSpec
        {
            Name = containerName ?? $"{project.Name}-{name}-1",
            Image = image,
            Hostname = s.Str("hostname"),
            Domainname = s.Str("domainname"),
            User = s.Str("user"),
            WorkingDir = s.Str("working_dir"),
            Entrypoint = s.OptStrings("entrypoint")?.ToImmutableArray(),
            Cmd = s.OptStrings("command")?.ToImmutableArray(),
            Env = env,
            Labels = labels.ToImmutableSortedDictionary(StringComparer.Ordinal),
            ExposedPorts = [.. exposed],
            Tty = s.Bool("tty"),
            OpenStdin = s.Bool("stdin_open"),
            AttachStdout = true,
            AttachStderr = true,
            StopSignal = s.Str("stop_signal"),
            StopTimeout = grace is { } g ? (int)(g / 1_000_000_000) : null,
            Healthcheck = health,
            MacAddress = s.Str("mac_address"),
            Networks = endpoints,
            Host = new HostSpec
            {
                Binds = binds,
                Mounts = mounts,
                Tmpfs = tmpfs.ToImmutableSortedDictionary(StringComparer.Ordinal),
                PortBindings = bindings.ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value.ToImmutableArray(), StringComparer.Ordinal),
                NetworkMode = networkMode,
                RestartPolicy = Restart(s),
                Init = s.OptBool("init"),
                ReadonlyRootfs = s.Bool("read_only"),
                Privileged = s.Bool("privileged"),
                CapAdd = [.. s.Strings("cap_add")],
                CapDrop = [.. s.Strings("cap_drop")],
                SecurityOpt = [.. s.Strings("security_opt")],
                Sysctls = Labels(s.Pairs("sysctls")).ToImmutableSortedDictionary(StringComparer.Ordinal),
                Ulimits = Ulimits(s),
                // The engine API wants host:ip; compose prints host=ip.
                ExtraHosts = [.. s.Strings("extra_hosts").Select(h => { var i = h.IndexOf('='); return i < 0 ? h : h[..i] + ":" + h[(i + 1)..]; })],
                Dns = [.. s.Strings("dns")],
                DnsSearch = [.. s.Strings("dns_search")],
                DnsOptions = [.. s.Strings("dns_opt")],
                LogConfig = s.Map("logging") is { } log
                    ? new LogConfigSpec(log.Str("driver") ?? "", Labels(log.Pairs("options")).ToImmutableSortedDictionary(StringComparer.Ordinal))
                    : null,
                ShmSize = s.Long("shm_size"),
                Devices = [.. (s.Seq("devices")?.Items.OfType<MappingNode>() ?? []).Select(d =>
                    new DeviceSpec(d.Str("source") ?? "", d.Str("target") ?? d.Str("source") ?? "", d.Str("permissions") ?? "rwm"))],
                GroupAdd = [.. s.Strings("group_add")],
                DeviceCgroupRules = [.. s.Strings("device_cgroup_rules")],
                PidMode = s.Str("pid"),
                IpcMode = s.Str("ipc"),
                UTSMode = s.Str("uts"),
                UsernsMode = s.Str("userns_mode"),
                CgroupParent = s.Str("cgroup_parent"),
                Links = links,
                VolumesFrom = [.. s.Strings("volumes_from").Select(v => VolumesFrom(project.Name, v, services))],
                Resources = Resources(s),
            },
        };

        var contents = BindContents(template, project.WorkingDir, files);
        var (composeHash, hashTemplate) = ComposeConfigHash.Of(s, shared =>
            services.Map(shared)?.Str("container_name") ?? $"{project.Name}-{shared}-1", services.ContainsKey);
        var fields = Flatten(project.ServiceJson(name)).ToBuilder();
        // A config file's content is part of the spec: its digest shows which file changed.
        foreach (var (source, digest) in contents) fields[$"content:{source}"] = digest[..12];
        return new DesiredService
        {
            Name = name,
            Image = image,
            PullPolicy = s.Str("pull_policy") ?? "missing",
            Replicas = replicas,
            ConfigHash = composeHash ?? "",
            ConfigHashTemplate = hashTemplate,
            ContentHash = ContentHash(contents),
            LegacyConfigHash = LegacyHash(template, contents),
            Template = template,
            DependsOn = deps.ToImmutable(),
            ContainerName = containerName,
            StopGracePeriod = grace is { } ns ? TimeSpan.FromTicks(ns / 100) : null,
            Fields = fields.ToImmutable(),
            UpdateOrder = UpdateOrder(s),
        };
    }

    /// <summary>
    /// The service extension <c>x-reconciler: {update_order: start-first}</c>: opt-in side-by-side
    /// updates. Kept as written: compose does not read the extension, so the planner is what reports
    /// a word it does not know (<c>UnknownUpdateOrder</c>).
    /// </summary>
    private static string UpdateOrder(MappingNode s) =>
        s["x-reconciler"] is MappingNode x && x.Str("update_order") is { } order ? order : "stop-first";

    private static RestartPolicySpec Restart(MappingNode s)
    {
        static string Map(string c) => c switch { "none" or "no" => "no", "any" or "always" => "always", _ => c };
        var policy = new RestartPolicySpec();
        if (s.Str("restart") is { } r)
        {
            var parts = r.Split(':');
            policy = new RestartPolicySpec
            {
                Name = Map(parts[0]),
                MaximumRetryCount = parts.Length > 1 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var n) ? n : 0,
            };
        }
        if (s.Map("deploy")?.Map("restart_policy") is { } rp)
            policy = new RestartPolicySpec { Name = Map(rp.Str("condition") ?? ""), MaximumRetryCount = (int)rp.Long("max_attempts") };
        return policy;
    }

    private static ResourcesSpec Resources(MappingNode s)
    {
        var limits = s.Map("deploy")?.Map("resources")?.Map("limits");
        var reservations = s.Map("deploy")?.Map("resources")?.Map("reservations");
        var memory = s.Long("mem_limit");
        if (limits?.Long("memory") is > 0 and var lm) memory = lm;
        var nanoCpus = (long)(s.Double("cpus") * 1e9);
        if (limits?.Double("cpus") is > 0 and var lc) nanoCpus = (long)(lc * 1e9);
        long? pids = s.Long("pids_limit") is not 0 and var p ? p : null;
        if (limits?.Long("pids") is > 0 and var lp) pids = lp;
        var reservation = s.Long("mem_reservation");
        if (reservations?.Long("memory") is > 0 and var rm) reservation = rm;
        var requests = (reservations?.Seq("devices")?.Items.OfType<MappingNode>() ?? []).Select(d => new DeviceRequestSpec(
            d.Str("driver") ?? "", d["count"] is ScalarNode { Value: "all" } ? -1 : (int)d.Long("count"),
            [.. d.Strings("device_ids")], [[.. d.Strings("capabilities")]],
            Labels(d.Pairs("options")).ToImmutableSortedDictionary(StringComparer.Ordinal))).ToImmutableArray();
        return new ResourcesSpec
        {
            Memory = memory,
            MemoryReservation = reservation,
            MemorySwap = s.Long("memswap_limit"),
            MemorySwappiness = s.Long("mem_swappiness") is not 0 and var sw ? sw : null,
            NanoCpus = nanoCpus,
            CpuShares = s.Long("cpu_shares"),
            CpuQuota = s.Long("cpu_quota"),
            CpuPeriod = s.Long("cpu_period"),
            CpusetCpus = s.Str("cpuset"),
            PidsLimit = pids,
            OomKillDisable = s.Bool("oom_kill_disable"),
            OomScoreAdj = (int)s.Long("oom_score_adj"),
            DeviceRequests = requests,
        };
    }

    private static ImmutableArray<UlimitSpec> Ulimits(MappingNode s)
    {
        if (s.Map("ulimits") is not { } u) return [];
        return [.. u.Entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value switch
        {
            MappingNode m => new UlimitSpec(e.Key, m.Long("soft"), m.Long("hard")),
            ScalarNode sc when long.TryParse(sc.Value, CultureInfo.InvariantCulture, out var v) => new UlimitSpec(e.Key, v, v),
            _ => new UlimitSpec(e.Key, 0, 0),
        })];
    }

    private static HealthSpec Health(MappingNode hc) => new()
    {
        Test = hc.Bool("disable") ? ["NONE"] : [.. hc.Strings("test")],
        Interval = hc.Nanos("interval") ?? 0,
        Timeout = hc.Nanos("timeout") ?? 0,
        StartPeriod = hc.Nanos("start_period") ?? 0,
        StartInterval = hc.Nanos("start_interval") ?? 0,
        Retries = (int)hc.Long("retries"),
    };

    /// <summary>
    /// compose's volumes_from: a service name means its (first) container, <c>container:x</c> means x,
    /// and compose drops the <c>:ro</c>/<c>:rw</c> suffix (the engine then uses the source's modes).
    /// </summary>
    private static string VolumesFrom(string project, string entry, MappingNode services)
    {
        var parts = entry.Split(':');
        if (parts[0] == "container" && parts.Length > 1) return parts[1];
        return services.Map(parts[0]) is { } target ? target.Str("container_name") ?? $"{project}-{parts[0]}-1" : parts[0];
    }

    /// <summary>
    /// File-based secrets and configs, bind-mounted read-only as compose mounts them: secrets under
    /// /run/secrets/, configs at / unless the target is absolute. A volume on the same target wins.
    /// (Secrets and configs from the environment or inline content are not supported yet.)
    /// </summary>
    private static IEnumerable<MountSpec> FileMounts(MappingNode s, MappingNode root, HashSet<string> taken)
    {
        foreach (var (kind, dir) in new[] { ("secrets", "/run/secrets/"), ("configs", "/") })
        {
            foreach (var r in s.Seq(kind)?.Items.OfType<MappingNode>() ?? [])
            {
                var source = r.Str("source");
                if (source is null || root.Map(kind)?.Map(source)?.Str("file") is not { } file) continue;
                var target = r.Str("target") is { } t ? (t.StartsWith('/') ? t : dir + t) : dir + source;
                if (!taken.Add(target)) continue;
                yield return new MountSpec { Type = "bind", Source = file, Target = target, ReadOnly = true };
            }
        }
    }

    /// <summary>
    /// compose's split: a bind mount written in short syntax (create_host_path) goes to Binds as
    /// <c>src:dst:opts</c> so the engine creates a missing host path; everything else is a Mount.
    /// </summary>
    private static (ImmutableArray<string> Binds, ImmutableArray<MountSpec> Mounts) Mounts(MappingNode s, MappingNode volumes)
    {
        var binds = new List<string>();
        var mounts = new List<MountSpec>();
        foreach (var v in s.Seq("volumes")?.Items.OfType<MappingNode>() ?? [])
        {
            var type = v.Str("type") ?? "volume";
            var target = v.Str("target") ?? "";
            var source = v.Str("source");
            var bind = v.Map("bind");
            var volume = v.Map("volume");
            if (type == "bind" && bind?.Bool("create_host_path") == true)
            {
                var options = new List<string> { v.Bool("read_only") ? "ro" : "rw" };
                if (bind.Str("selinux") is { } se) options.Add(se);
                if (bind.Str("propagation") is { } pr) options.Add(pr);
                if (volume?.Bool("nocopy") == true) options.Add("nocopy");
                binds.Add($"{source}:{target}:{string.Join(',', options)}");
                continue;
            }
            if (type == "volume" && source is not null && volumes.Map(source) is { } top)
                source = top.Str("name") ?? source;
            mounts.Add(new MountSpec
            {
                Type = type,
                Source = source,
                Target = target,
                ReadOnly = v.Bool("read_only"),
                Consistency = v.Str("consistency"),
                BindPropagation = type == "bind" ? bind?.Str("propagation") : null,
                VolumeNoCopy = type == "volume" && volume?.Bool("nocopy") == true,
                VolumeSubpath = type == "volume" ? volume?.Str("subpath") : null,
                TmpfsSize = type == "tmpfs" ? v.Map("tmpfs")?.OptLong("size") : null,
                TmpfsMode = type == "tmpfs" && v.Map("tmpfs")?.OptLong("mode") is { } mode ? (int)mode : null,
            });
        }
        return ([.. binds], [.. mounts.OrderBy(m => m.Target, StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Network mode and endpoints as compose sets them: the service's networks by priority then
    /// name, the first one being the network mode; aliases are the container name, the service
    /// name and the configured aliases. <c>service:x</c> stays symbolic until the executor resolves it.
    /// </summary>
    private static (string Mode, ImmutableSortedDictionary<string, EndpointSpec> Endpoints) Networking(
        string project, string service, string? containerName, MappingNode s, MappingNode networks, ImmutableArray<string> links)
    {
        if (s.Str("network_mode") is { } mode) return (mode, ImmutableSortedDictionary<string, EndpointSpec>.Empty);
        if (networks.Count == 0) return ("none", ImmutableSortedDictionary<string, EndpointSpec>.Empty);
        var serviceNets = s.Map("networks");
        var keys = serviceNets?.Keys.ToList() ?? ["default"];
        var ordered = keys
            .OrderByDescending(k => serviceNets?[k] is MappingNode c ? c.Long("priority") : 0)
            .ThenBy(k => k, StringComparer.Ordinal).ToList();
        var endpoints = ImmutableSortedDictionary.CreateBuilder<string, EndpointSpec>(StringComparer.Ordinal);
        var number = 0;
        foreach (var key in ordered)
        {
            var engineName = networks.Map(key)?.Str("name") ?? $"{project}_{key}";
            var cfg = serviceNets?[key] as MappingNode;
            var aliases = new List<string> { containerName ?? $"{project}-{service}-1", service };
            if (cfg is not null) aliases.AddRange(cfg.Strings("aliases"));
            endpoints[engineName] = new EndpointSpec
            {
                Aliases = [.. aliases],
                IPv4Address = cfg?.Str("ipv4_address"),
                IPv6Address = cfg?.Str("ipv6_address"),
                LinkLocalIPs = [.. cfg?.Strings("link_local_ips") ?? []],
                MacAddress = cfg?.Str("mac_address"),
                // Rank, so the adapter connects the other networks in compose's order (priority, then key).
                Priority = ordered.Count - number++,
                Links = links,
            };
        }
        var primary = networks.Map(ordered[0])?.Str("name") ?? $"{project}_{ordered[0]}";
        return (primary, endpoints.ToImmutable());
    }

    /// <summary>
    /// The digest of the project files the service bind-mounts (a file, or a folder's files), so
    /// editing a config file next to compose.yaml recreates the service. compose's own hash covers
    /// only the compose model; this one goes in a label of its own.
    /// </summary>
    private static string ContentHash(SortedDictionary<string, string> contents)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (source, digest) in contents) sha.AppendData(Encoding.UTF8.GetBytes($"{source}\0{digest}\0"));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>
    /// The config hash Reconciler 0.1 wrote (the engine-level spec, so spelling a default or omitting
    /// it hashed the same, plus the bind-mounted contents). Kept so the containers it created are
    /// recognised as in sync after an upgrade instead of all being recreated once.
    /// </summary>
    private static string LegacyHash(ContainerSpec spec, SortedDictionary<string, string> contents)
    {
        var stable = spec with
        {
            Name = "",
            // The deploying commit is provenance, not spec: a commit that changes nothing else recreates nothing.
            Labels = spec.Labels.Remove(ComposeLabels.ConfigHash).Remove(ComposeLabels.Number).Remove(ComposeLabels.Version).Remove(ComposeLabels.Commit),
            Networks = spec.Networks.ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value with { Aliases = kv.Value.Aliases.RemoveAt(0) }, StringComparer.Ordinal),
            Host = spec.Host with { RestartPolicy = spec.Host.RestartPolicy.Name == "no" ? new RestartPolicySpec() : spec.Host.RestartPolicy },
        };
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(JsonSerializer.SerializeToUtf8Bytes(stable, SpecJson.Default.ContainerSpec));
        foreach (var (source, digest) in contents) sha.AppendData(Encoding.UTF8.GetBytes($"{source}\0{digest}\0"));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>A digest per bind-mounted source inside the project directory (a file, or a folder's files).</summary>
    private static SortedDictionary<string, string> BindContents(ContainerSpec spec, string workingDir, IFileSource files)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var sources = spec.Host.Binds.Select(b => b.Split(':')[0])
            .Concat(spec.Host.Mounts.Where(m => m.Type == "bind" && m.Source is not null).Select(m => m.Source!));
        foreach (var source in sources.Distinct(StringComparer.Ordinal))
        {
            if (!IsInside(source, workingDir)) continue;
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            IEnumerable<string> paths = files.FileExists(source) ? [source] : files.ListFiles(source).Order(StringComparer.Ordinal);
            foreach (var path in paths)
            {
                sha.AppendData(Encoding.UTF8.GetBytes(path + "\0"));
                var bytes = files.ReadBytes(path);
                if (bytes is not null && bytes.LongLength <= MaxHashedBytes) sha.AppendData(SHA256.HashData(bytes));
                else sha.AppendData(Encoding.UTF8.GetBytes((bytes?.LongLength ?? -1).ToString(CultureInfo.InvariantCulture)));
            }
            result[source] = Convert.ToHexStringLower(sha.GetHashAndReset());
        }
        return result;
    }

    private static bool IsInside(string path, string dir)
    {
        var d = dir.TrimEnd('/') + "/";
        return path.StartsWith(d, StringComparison.Ordinal) || path == dir;
    }

    /// <summary>The service's canonical JSON flattened to key paths, for field-level change reports.</summary>
    private static ImmutableSortedDictionary<string, string> Flatten(string json)
    {
        var result = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        // Paths repeat their parents' keys: a hostile file (long keys, deep free-form fields such as
        // develop:) could make them gigabytes. Keys are cut to an excerpt and the report stops at a
        // budget of path text; the config hash does not depend on these fields.
        var pathBudget = 4L * 1024 * 1024;
        void Walk(JsonElement e, string path)
        {
            pathBudget -= path.Length;
            if (pathBudget < 0) return;
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject()) Walk(p.Value, path.Length == 0 ? Compose.Excerpt.Of(p.Name) : $"{path}.{Compose.Excerpt.Of(p.Name)}");
                    break;
                case JsonValueKind.Array:
                    // Lists of scalars read best whole (command: [a, b]); lists of objects by index.
                    if (e.EnumerateArray().All(i => i.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)))
                        result[path] = e.GetRawText();
                    else
                    {
                        var i = 0;
                        foreach (var item in e.EnumerateArray()) Walk(item, $"{path}[{i++}]");
                    }
                    break;
                case JsonValueKind.String: result[path] = e.GetString()!.Replace("$$", "$", StringComparison.Ordinal); break;
                case JsonValueKind.Null: break;
                default: result[path] = e.GetRawText(); break;
            }
        }
        // The loader bounds nesting (limits.max_depth); the reader's own default of 64 is lower.
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = LoadLimits.DepthCeiling + 16 });
        Walk(doc.RootElement, "");
        return result.ToImmutable();
    }
}

