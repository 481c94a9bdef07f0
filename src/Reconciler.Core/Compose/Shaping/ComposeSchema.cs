using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Shaping;

/// <summary>
/// The Compose Specification's keys, in the order docker compose prints them, each with its shape.
/// Every key of the specification is accepted (so no valid file is refused); keys Reconciler does
/// not act on (build, develop, secrets…) are kept as written.
/// </summary>
internal static class ComposeSchema
{
    private static readonly ScalarShape S = ScalarShape.String;
    private static readonly ScalarShape I = ScalarShape.Int;
    private static readonly ScalarShape B = ScalarShape.Bool;
    private static readonly ScalarShape F = ScalarShape.Float;
    private static readonly ScalarShape D = ScalarShape.Duration;
    private static readonly ScalarShape Bytes = ScalarShape.Bytes;
    private static readonly AnyShape Any = AnyShape.Instance;

    private static ListShape Strings(bool acceptScalar = false, bool unique = false) =>
        new(S, acceptScalar, unique ? ListShape.ScalarKey : null);

    public static readonly Shape Healthcheck = new ObjectShape()
        .Field("test", new CustomShape(ServiceSyntax.HealthTest))
        .Field("timeout", D).Field("interval", D).Field("retries", I)
        .Field("start_period", D).Field("start_interval", D).Field("disable", B)
        .KeepZero("retries");

    /// <summary>A device request's count: a number, or <c>all</c>, which compose prints as -1.</summary>
    private static readonly Shape DeviceCount = new CustomShape((n, p, c) =>
        n is ScalarNode { Value: "all" } all ? new ScalarNode("-1", ScalarKind.Int, all.Mark) : I.Apply(n, p, c));

    private static readonly Shape DeviceRequest = new ObjectShape()
        .Field("capabilities", Strings()).Field("driver", S).Field("count", DeviceCount).Field("device_ids", Strings())
        .Field("options", KeyValueShape.Options);

    /// <summary><c>gpus: all</c> is one request for every GPU; a list is a list of requests.</summary>
    private static readonly Shape Gpus = new CustomShape((n, p, c) =>
    {
        if (n is not ScalarNode { Value: "all" } all) return new ListShape(DeviceRequest).Apply(n, p, c);
        var request = new MappingNode(all.Mark);
        request["count"] = new ScalarNode("-1", ScalarKind.Int, all.Mark);
        var list = new SequenceNode(all.Mark);
        list.Items.Add(request);
        return list;
    });

    private static readonly Shape Resource = new ObjectShape()
        .Field("cpus", F).Field("memory", Bytes).Field("pids", I)
        .Field("devices", new ListShape(DeviceRequest))
        .Field("generic_resources", Any);

    private static readonly Shape UpdateConfig = new ObjectShape
    {
        // compose's schema: order is one of two words; anything else fails the load, as in compose.
        After = (m, p, c) =>
        {
            if (m["order"] is ScalarNode { Value: not ("start-first" or "stop-first") } order)
                c.Error($"unknown order {Excerpt.Quoted(order.Value)}: use start-first or stop-first", order, p.Next("order"));
        },
    }
        .Field("parallelism", I).Field("delay", D).Field("failure_action", S).Field("monitor", D)
        .Field("max_failure_ratio", F).Field("order", S)
        .KeepZero("parallelism");

    public static readonly Shape Deploy = new ObjectShape()
        .Field("mode", S).Field("replicas", I).Field("labels", KeyValueShape.Labels)
        .Field("update_config", UpdateConfig).Field("rollback_config", UpdateConfig)
        .Field("resources", new ObjectShape().Field("limits", Resource).Field("reservations", Resource))
        .Field("restart_policy", new ObjectShape().Field("condition", S).Field("delay", D).Field("max_attempts", I).Field("window", D).KeepZero("max_attempts"))
        .Field("placement", new ObjectShape().Field("constraints", Strings()).Field("preferences", Any).Field("max_replicas_per_node", I))
        .Field("endpoint_mode", S)
        .EmptyWhenAbsent("resources", "placement")
        .KeepZero("replicas");

    private static readonly Shape Port = new ObjectShape
    {
        After = (m, p, c) =>
        {
            if (!m.ContainsKey("target")) c.Error("a port needs a target", m, p);
            if (!m.ContainsKey("protocol")) m["protocol"] = new ScalarNode("tcp", ScalarKind.String, m.Mark);
            if (!m.ContainsKey("mode")) m["mode"] = new ScalarNode("ingress", ScalarKind.String, m.Mark);
        },
    }.Field("name", S).Field("mode", S).Field("host_ip", S).Field("target", I)
        .Field("published", ScalarShape.IntOrString).Field("protocol", S).Field("app_protocol", S);

    private static readonly Shape ServiceVolume = new ObjectShape
    {
        Before = VolumeSyntax.ToLongForm,
        After = (m, p, c) =>
        {
            if (!m.ContainsKey("type")) c.Error("a volume needs a type (bind, volume, tmpfs, npipe, image or cluster)", m, p);
            if (m["target"] is ScalarNode t) m["target"] = new ScalarNode(VolumeSyntax.CleanTarget(t.Value), ScalarKind.String, t.Mark);
            else if ((m["type"] as ScalarNode)?.Value != "npipe") c.Error("a volume needs a target", m, p);
        },
    }.Field("type", S).Field("source", S).Field("target", S).Field("read_only", B).Field("consistency", S)
        .Field("bind", new ObjectShape().Field("selinux", S).Field("propagation", S).Field("create_host_path", B).Field("recursive", S))
        .Field("volume", new ObjectShape().Field("labels", KeyValueShape.Labels).Field("nocopy", B).Field("subpath", S))
        .Field("tmpfs", new ObjectShape().Field("size", Bytes).Field("mode", I))
        .Field("image", new ObjectShape().Field("subpath", S));

    private static readonly Shape ServiceNetwork = new ObjectShape { KeepNull = true }
        .Field("priority", I).Field("gw_priority", I).Field("aliases", Strings(unique: true))
        .Field("ipv4_address", S).Field("ipv6_address", S).Field("link_local_ips", Strings(unique: true))
        .Field("mac_address", S).Field("driver_opts", KeyValueShape.Options).Field("interface_name", S);

    private static readonly Shape DependsOnEntry = new ObjectShape
    {
        After = (m, p, c) =>
        {
            if (!m.ContainsKey("condition")) m["condition"] = new ScalarNode("service_started", ScalarKind.String, m.Mark);
            if (!m.ContainsKey("required")) m["required"] = new ScalarNode("true", ScalarKind.Bool, m.Mark);
            var cond = (m["condition"] as ScalarNode)?.Value;
            if (cond is not ("service_started" or "service_healthy" or "service_completed_successfully"))
                c.Error($"unknown condition {Excerpt.Quoted(cond ?? "")}: use service_started, service_healthy or service_completed_successfully", m["condition"]!, p.Next("condition"));
        },
    }.Field("condition", S).Field("restart", B).Field("required", B).KeepZero("required");

    /// <summary>A service's secret or config: a name, or {source, target, uid, gid, mode}.</summary>
    private static Shape FileMount(string? defaultTargetDir) => new ObjectShape
    {
        Before = (n, p, c) =>
        {
            if (n is not ScalarNode { IsNull: false } s) return n;
            var m = new MappingNode(s.Mark);
            m["source"] = new ScalarNode(YamlCoreSchema.AsGoString(s), ScalarKind.String, s.Mark);
            // compose prints a secret's default target; a config's stays unset.
            if (defaultTargetDir is not null)
                m["target"] = new ScalarNode(defaultTargetDir + YamlCoreSchema.AsGoString(s), ScalarKind.String, s.Mark);
            return m;
        },
    }.Field("source", S).Field("target", S).Field("uid", S).Field("gid", S).Field("mode", I);

    private static readonly Shape TopLevelFile = new ObjectShape { Before = LegacyExternalName }
        .Field("name", S).Field("file", S).Field("environment", S).Field("content", S)
        .Field("external", new CustomShape(External)).Field("labels", KeyValueShape.Labels)
        .Field("driver", S).Field("driver_opts", KeyValueShape.Options).Field("template_driver", S);

    /// <summary>
    /// <c>build:</c> a context path, or the long form; lists of args and labels become maps, secrets
    /// their long form (no default target, unlike a service's). Extensions inside build are dropped,
    /// as compose prints none. Paths and defaults are the normalizer's (<c>ProjectNormalizer</c>).
    /// </summary>
    private static readonly Shape Build = new ObjectShape
    {
        Before = (n, p, c) =>
        {
            var m = n as MappingNode;
            if (n is ScalarNode { IsNull: false } s)
            {
                m = new MappingNode(s.Mark);
                m["context"] = new ScalarNode(YamlCoreSchema.AsGoString(s), ScalarKind.String, s.Mark);
            }
            // compose's default, only when neither is written: `dockerfile: ""` stays empty (and unprinted).
            if (m is not null && !m.ContainsKey("dockerfile") && !m.ContainsKey("dockerfile_inline"))
                m["dockerfile"] = new ScalarNode("Dockerfile", ScalarKind.String, m.Mark);
            return m ?? n;
        },
    }
        .Field("context", S).Field("dockerfile", S).Field("dockerfile_inline", S).Field("entitlements", Strings())
        .Field("args", KeyValueShape.Environment).Field("ssh", Strings(acceptScalar: true)).Field("labels", KeyValueShape.Labels)
        .Field("cache_from", Strings()).Field("cache_to", Strings()).Field("no_cache", B)
        .Field("additional_contexts", KeyValueShape.Options).Field("pull", B)
        .Field("extra_hosts", new CustomShape(ServiceSyntax.ExtraHosts)).Field("isolation", S).Field("network", S)
        .Field("target", S).Field("secrets", new ListShape(FileMount(null))).Field("shm_size", Bytes)
        .Field("tags", Strings()).Field("ulimits", new DictShape(() => new CustomShape(ServiceSyntax.Ulimit)))
        .Field("platforms", Strings()).Field("privileged", B).Field("provenance", Any).Field("sbom", Any);

    /// <summary>
    /// A command run in a container: a <c>post_start</c> / <c>pre_stop</c> hook, or a watch rule's
    /// <c>exec</c>. compose splits a string command like <c>command:</c> and always prints it.
    /// </summary>
    private static readonly Shape Hook = new ObjectShape()
        .Field("command", new CustomShape(ServiceSyntax.Command)).Field("user", S).Field("privileged", B)
        .Field("working_dir", S).Field("environment", KeyValueShape.Environment).Always("command");

    /// <summary>
    /// <c>develop.watch</c> rules. compose prints an <c>exec</c> with a null command on every rule in
    /// JSON (its struct is not a pointer); the normalizer makes paths absolute.
    /// </summary>
    private static readonly Shape Develop = new ObjectShape()
        .Field("watch", new ListShape(new ObjectShape
        {
            After = (m, p, c) =>
            {
                if (m.ContainsKey("exec")) return;
                var exec = new MappingNode(m.Mark);
                exec["command"] = ScalarNode.Null(m.Mark);
                m["exec"] = exec;
            },
        }
            .Field("path", S).Field("action", S).Field("target", S)
            .Field("exec", Hook)
            .Field("include", Strings()).Field("ignore", Strings()).Field("initial_sync", B)));

    private static readonly Shape Logging = new ObjectShape().Field("driver", S).Field("options", KeyValueShape.Options);

    public static readonly Shape Service = new ObjectShape
    {
        KeepExtensions = true,
        Before = (n, p, c) => n is ScalarNode { IsNull: true } ? new MappingNode(n.Mark) : n,
    }
        .Field("profiles", Strings(unique: true))
        .Field("annotations", KeyValueShape.Labels).Field("attach", B).Field("build", Build).Field("develop", Develop)
        .Field("blkio_config", Any)
        .Field("cap_add", Strings(unique: true)).Field("cap_drop", Strings(unique: true))
        .Field("cgroup_parent", S).Field("cgroup", S)
        .Field("cpu_count", I).Field("cpu_percent", F).Field("cpu_period", I).Field("cpu_quota", I)
        .Field("cpu_rt_period", I).Field("cpu_rt_runtime", I).Field("cpus", F).Field("cpuset", S).Field("cpu_shares", I)
        .Field("command", new CustomShape(ServiceSyntax.Command))
        .Field("configs", new ListShape(FileMount(null))).Field("container_name", S).Field("credential_spec", Any)
        .Field("depends_on", new DictShape(() => DependsOnEntry) is var dep ? new CustomShape((n, p, c) =>
            dep.Apply(ServiceSyntax.NamesToMapping(n, ServiceSyntax.DependsOnDefault)!, p, c)) : null!)
        .Field("deploy", Deploy)
        .Field("device_cgroup_rules", Strings())
        .Field("devices", new ListShape(new ObjectShape { Before = ServiceSyntax.Device }
            .Field("source", S).Field("target", S).Field("permissions", S), uniqueBy: n => (n as MappingNode)?["target"] is ScalarNode t ? t.Value : null))
        .Field("dns", Strings(acceptScalar: true, unique: true)).Field("dns_opt", Strings(unique: true))
        .Field("dns_search", Strings(acceptScalar: true, unique: true))
        .Field("dockerfile", S).Field("domainname", S)
        .Field("entrypoint", new CustomShape(ServiceSyntax.Command))
        .Field("provider", Any)
        .Field("environment", KeyValueShape.Environment)
        .Field("env_file", new ListShape(new CustomShape(ServiceSyntax.EnvFileEntry), acceptScalar: true,
            uniqueBy: n => (n as MappingNode)?["path"] is ScalarNode ps ? ps.Value : null))
        .Field("expose", new ListShape(ScalarShape.IntOrString, uniqueBy: ListShape.ScalarKey))
        .Field("extends", Any)
        .Field("external_links", Strings())
        .Field("extra_hosts", new CustomShape(ServiceSyntax.ExtraHosts))
        .Field("group_add", new ListShape(ScalarShape.IntOrString))
        .Field("gpus", Gpus)
        .Field("hostname", S)
        .Field("healthcheck", Healthcheck)
        .Field("image", S).Field("init", B).Field("ipc", S).Field("isolation", S)
        .Field("labels", KeyValueShape.Labels)
        .Field("label_file", Strings(acceptScalar: true))
        .Field("links", Strings(unique: true))
        .Field("logging", Logging)
        .Field("mem_limit", Bytes).Field("mem_reservation", Bytes).Field("memswap_limit", Bytes).Field("mem_swappiness", Bytes)
        .Field("mac_address", S).Field("models", Any)
        .Field("network_mode", S)
        .Field("networks", new CustomShape((n, p, c) =>
            new DictShape(() => ServiceNetwork).Apply(ServiceSyntax.NamesToMapping(n, null)!, p, c)))
        .Field("oom_kill_disable", B).Field("oom_score_adj", I)
        .Field("pid", S).Field("pids_limit", I).Field("platform", S)
        .Field("ports", new ListShape(Port, uniqueBy: PortSyntax.Key, expand: PortSyntax.Expand))
        .Field("privileged", B).Field("pull_policy", S).Field("read_only", B).Field("restart", S).Field("runtime", S)
        .Field("scale", I).Field("secrets", new ListShape(FileMount("/run/secrets/")))
        .Field("security_opt", Strings())
        .Field("shm_size", Bytes).Field("stdin_open", B).Field("stop_grace_period", D).Field("stop_signal", S)
        .Field("storage_opt", KeyValueShape.Options)
        .Field("sysctls", KeyValueShape.Options)
        .Field("tmpfs", Strings(acceptScalar: true, unique: true))
        .Field("tty", B)
        .Field("ulimits", new DictShape(() => new CustomShape(ServiceSyntax.Ulimit)))
        .Field("use_api_socket", B)
        .Field("user", S).Field("userns_mode", S).Field("uts", S).Field("volume_driver", S)
        .Field("volumes", new ListShape(ServiceVolume, uniqueBy: VolumeSyntax.Key))
        .Field("volumes_from", Strings(unique: true))
        .Field("working_dir", S)
        .Field("post_start", new ListShape(Hook)).Field("pre_stop", new ListShape(Hook))
        .Always("command", "entrypoint")
        .KeepZero("init", "attach", "scale");

    private static Node? External(Node node, TreePath path, ShapeContext ctx)
    {
        // The old form "external: {name: x}" still works in compose: it names the resource.
        if (node is MappingNode m)
            return new ScalarNode("true", ScalarKind.Bool, m.Mark);
        return B.Apply(node, path, ctx);
    }

    /// <summary>Moves a legacy <c>external: {name: x}</c> to <c>name: x</c> before shaping.</summary>
    /// <summary>
    /// compose-go names a resource after its key only when <c>name:</c> is absent: one written empty
    /// (or interpolated to empty) stays unnamed, and compose prints no name. Shaping drops empty
    /// strings, so such a name is carried through as this marker, which the normalizer removes.
    /// </summary>
    public const string UnnamedMarker = "\u0000unnamed";

    private static Node? LegacyExternalName(Node node, TreePath path, ShapeContext ctx)
    {
        if (node is not MappingNode m) return node;
        if (m["external"] is MappingNode ext && ext["name"] is ScalarNode n && !m.ContainsKey("name"))
            m["name"] = n;
        else if (m.ContainsKey("name") && m["name"] is ScalarNode { Value: "" } or ScalarNode { IsNull: true } or null)
            m["name"] = new ScalarNode(UnnamedMarker, ScalarKind.String, m.KeyMark("name"));
        return node;
    }

    public static readonly Shape Network = new ObjectShape { Before = LegacyExternalName }
        .Field("name", S).Field("driver", S).Field("driver_opts", KeyValueShape.Options)
        .Field("ipam", new ObjectShape().Field("driver", S)
            .Field("config", new ListShape(new ObjectShape().Field("subnet", S).Field("gateway", S).Field("ip_range", S)
                .Field("aux_addresses", KeyValueShape.Options)))
            .Field("options", KeyValueShape.Options))
        .Field("external", new CustomShape(External)).Field("internal", B).Field("attachable", B)
        .Field("labels", KeyValueShape.Labels).Field("enable_ipv4", B).Field("enable_ipv6", B)
        .EmptyWhenAbsent("ipam")
        .KeepZero("enable_ipv4", "enable_ipv6");

    public static readonly Shape Volume = new ObjectShape { Before = LegacyExternalName }
        .Field("name", S).Field("driver", S).Field("driver_opts", KeyValueShape.Options)
        .Field("external", new CustomShape(External)).Field("labels", KeyValueShape.Labels);

    public static readonly Shape Project = new ObjectShape { KeepExtensions = true }
        .Field("name", S).Field("version", S)
        .Field("include", Any)
        .Field("networks", new DictShape(() => Network))
        .Field("services", new DictShape(() => Service))
        .Field("volumes", new DictShape(() => Volume))
        .Field("secrets", new DictShape(() => TopLevelFile)).Field("configs", new DictShape(() => TopLevelFile)).Field("models", Any);
}
