using System.Collections.Immutable;
using Reconciler.Core.Compose.Shaping;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Loading;

/// <summary>
/// compose's normalization of a canonical project: env_file folded into environment, inherited
/// variables resolved, relative bind paths made absolute, implicit dependencies (links,
/// <c>service:</c> namespaces, volumes_from) added, the default network, resource names,
/// profiles applied, then the consistency checks compose makes before it runs anything.
/// </summary>
internal sealed class ProjectNormalizer(string name, string projectDir, ImmutableDictionary<string, string> environment,
    string? home, IFileSource fs, List<Diagnostic> diagnostics, LoadBudget budget)
{
    public bool KeepUnusedSecretsAndConfigs { get; init; }

    private static ScalarNode Str(string v, Mark m) => new(v, ScalarKind.String, m);
    private static ScalarNode Bool(bool v, Mark m) => new(v ? "true" : "false", ScalarKind.Bool, m);

    public void Normalize(MappingNode project, List<string> profiles)
    {
        project["name"] = Str(name, project.Mark);
        var services = project["services"] as MappingNode ?? new MappingNode(project.Mark);
        foreach (var (serviceName, node) in services.Entries)
        {
            if (node is not MappingNode service) continue;
            var path = new TreePath("services").Next(serviceName);
            if (service["pull_policy"] is ScalarNode { Value: "if_not_present" } pp) service["pull_policy"] = Str("missing", pp.Mark);
            FoldEnvFiles(service, path);
            ResolveInheritedEnvironment(service);
            ResolveBindPaths(service);
            NormalizeBuild(service);
            if (service["develop"] is MappingNode develop && develop["watch"] is SequenceNode watch)
                foreach (var rule in watch.Items.OfType<MappingNode>())
                    if (rule["path"] is ScalarNode wp) rule["path"] = Str(LocalPath(wp.Value), wp.Mark);
            AddImplicitDependencies(service);
        }
        DisableProfiles(services, profiles);
        NormalizeNetworks(project, services);
        foreach (var (_, node) in services.Entries)
            if (node is MappingNode service) ((ObjectShape)ComposeSchema.Service).Reorder(service);
        NameResources(project, "networks");
        NameResources(project, "volumes");
        ResolveBindVolumeDevices(project);
        NameResources(project, "secrets");
        NameResources(project, "configs");
        ResolveFilePaths(project, "secrets");
        ResolveFilePaths(project, "configs");
        new ConsistencyCheck(project, _disabled, diagnostics).Run();
        if (!diagnostics.Any(d => d.Severity == Severity.Error)) DropUnusedResources(project, services, KeepUnusedSecretsAndConfigs);
    }

    private void FoldEnvFiles(MappingNode service, TreePath path)
    {
        if (service["env_file"] is not SequenceNode files) return;
        var fromFiles = new Dictionary<string, (string? Value, Mark Mark)>(StringComparer.Ordinal);
        for (var i = 0; i < files.Items.Count; i++)
        {
            if (files.Items[i] is not MappingNode entry || entry["path"] is not ScalarNode p) continue;
            var file = Path.GetFullPath(ExpandHome(p.Value), projectDir);
            var required = entry["required"] is not ScalarNode { Value: "false" };
            // Asked before existence, so an optional file outside the repository is refused, not skipped.
            if (FileRefusal.Check(fs, file, p.Value, p.Mark, path.Next("env_file").Index(i).Value) is { } refused)
            {
                diagnostics.Add(refused);
                continue;
            }
            if (!fs.FileExists(file))
            {
                if (required)
                    diagnostics.Add(Diagnostic.Error($"env file {file} not found: stat {file}: no such file or directory (set required: false to make it optional)", p.Mark, path.Next("env_file").Index(i).Value));
                continue;
            }
            foreach (var (k, v) in EnvFileReader.Read(file, fs, Lookup, diagnostics, budget))
                fromFiles[k] = (v, p.Mark);
        }
        var env = service["environment"] as MappingNode;
        var mergedEnv = new SortedDictionary<string, Node>(StringComparer.Ordinal);
        foreach (var (k, (v, mark)) in fromFiles)
            mergedEnv[k] = v is null ? ScalarNode.Null(mark) : Str(v, mark);
        if (env is not null)
            foreach (var (k, v) in env.Entries) mergedEnv[k] = v;
        var result = new MappingNode(env?.Mark ?? files.Mark) { IsMap = true };
        foreach (var (k, v) in mergedEnv) result[k] = v;
        if (result.Count > 0) service["environment"] = result;
        service.Remove("env_file");
    }

    private string? Lookup(string key) => environment.TryGetValue(key, out var v) ? v : null;

    private void ResolveInheritedEnvironment(MappingNode service)
    {
        if (service["environment"] is not MappingNode env) return;
        foreach (var (k, v) in env.Entries.ToList())
            if (v is ScalarNode { IsNull: true } && Lookup(k) is { } value)
                env[k] = Str(value, v.Mark);
    }

    private string ExpandHome(string p) =>
        home is not null && (p == "~" || p.StartsWith("~/", StringComparison.Ordinal)) ? home + p[1..] : p;

    private void ResolveBindPaths(MappingNode service)
    {
        if (service["volumes"] is not SequenceNode volumes) return;
        foreach (var v in volumes.Items.OfType<MappingNode>())
        {
            if (v["type"] is not ScalarNode { Value: "bind" } || v["source"] is not ScalarNode src) continue;
            // compose-go joins a relative source to the project directory (which cleans it) and keeps
            // an absolute one as written: "/etc/pihole/" keeps its slash, "C:\data" is absolute.
            v["source"] = Str(LocalPath(src.Value), src.Mark);
        }
    }

    /// <summary>
    /// compose: a local build context (and each local additional context) is made absolute; a remote
    /// one (a git or http URL) is kept; an arg without a value takes the variable of that name, or
    /// is dropped when it is unset.
    /// </summary>
    private void NormalizeBuild(MappingNode service)
    {
        if (service["build"] is not MappingNode build) return;
        if (build["context"] is ScalarNode context && !IsRemoteContext(context.Value))
            build["context"] = Str(LocalPath(context.Value), context.Mark);
        else if (!build.ContainsKey("context"))
            build.InsertFirst("context", Str(projectDir, build.Mark)); // the first field compose prints of a build
        if (build["additional_contexts"] is MappingNode extra)
            foreach (var (k, v) in extra.Entries.ToList())
                if (v is ScalarNode { Value: var target } sv && !IsRemoteContext(target) && !target.Contains("://", StringComparison.Ordinal)
                    && !target.StartsWith("service:", StringComparison.Ordinal))
                    extra[k] = Str(LocalPath(target), sv.Mark);
        if (build["args"] is MappingNode args)
            foreach (var (k, v) in args.Entries.ToList())
                if (v is ScalarNode { IsNull: true })
                {
                    if (Lookup(k) is { } value) args[k] = Str(value, v.Mark);
                    else args.Remove(k);
                }
    }

    // compose-go: contexts that are URLs (git, http) are passed to the builder as they are.
    private static bool IsRemoteContext(string context) =>
        context.StartsWith("http://", StringComparison.Ordinal) || context.StartsWith("https://", StringComparison.Ordinal)
        || context.StartsWith("git://", StringComparison.Ordinal) || context.StartsWith("git@", StringComparison.Ordinal)
        || context.StartsWith("github.com/", StringComparison.Ordinal) || context.StartsWith("ssh://", StringComparison.Ordinal);

    /// <summary>A path joined to the project directory as Go's filepath.Join does (cleaned); an absolute one is kept as written.</summary>
    private string LocalPath(string path)
    {
        var expanded = ExpandHome(path);
        return HostPaths.IsAbsolute(expanded) ? expanded : HostPaths.Join(projectDir, expanded);
    }

    /// <summary>
    /// compose-go: a <c>local</c> volume with <c>o: bind</c> is a bind mount in disguise, so its
    /// <c>device</c> is a host path resolved like a bind source (an empty one is the project directory).
    /// Only that exact spelling: <c>o: "bind,ro"</c> or no <c>driver: local</c> keeps the device as written.
    /// </summary>
    private void ResolveBindVolumeDevices(MappingNode project)
    {
        if (project["volumes"] is not MappingNode volumes) return;
        foreach (var (_, node) in volumes.Entries)
        {
            if (node is MappingNode { } v && v["driver"] is ScalarNode { Value: "local" } && v["driver_opts"] is MappingNode opts
                && opts["o"] is ScalarNode { Value: "bind" } && opts["device"] is ScalarNode { IsNull: false } device)
                opts["device"] = Str(LocalPath(device.Value), device.Mark);
        }
    }

    private static void AddImplicitDependencies(MappingNode service)
    {
        var deps = service["depends_on"] as MappingNode ?? new MappingNode(service.Mark);
        void Add(string dep, bool restart, Mark mark)
        {
            if (deps.ContainsKey(dep)) return;
            var d = new MappingNode(mark);
            d["condition"] = Str("service_started", mark);
            if (restart) d["restart"] = Bool(true, mark);
            d["required"] = Bool(true, mark);
            deps[dep] = d;
        }
        if (service["links"] is SequenceNode links)
            foreach (var l in links.Items.OfType<ScalarNode>())
                Add(l.Value.Split(':')[0], true, l.Mark);
        foreach (var ns in new[] { "network_mode", "ipc", "pid", "uts", "cgroup" })
            if (service[ns] is ScalarNode { Value: var v } s && v.StartsWith("service:", StringComparison.Ordinal))
                Add(v["service:".Length..], true, s.Mark);
        if (service["volumes_from"] is SequenceNode from)
            foreach (var f in from.Items.OfType<ScalarNode>())
                if (!f.Value.StartsWith("container:", StringComparison.Ordinal))
                    Add(f.Value.Split(':')[0], false, f.Mark);
        if (deps.Count > 0)
        {
            var sorted = new MappingNode(deps.Mark) { IsMap = true };
            foreach (var k in deps.Keys.OrderBy(k => k, StringComparer.Ordinal)) sorted[k] = deps[k]!;
            service["depends_on"] = sorted;
        }
    }

    /// <summary>Services whose profiles are all inactive leave the project (compose prints only active ones).</summary>
    private void DisableProfiles(MappingNode services, List<string> profiles)
    {
        var all = profiles.Contains("*");
        var disabled = new List<string>();
        foreach (var (serviceName, node) in services.Entries)
        {
            if (node is not MappingNode s || s["profiles"] is not SequenceNode { Items.Count: > 0 } ps) continue;
            if (all || ps.Items.OfType<ScalarNode>().Any(p => profiles.Contains(p.Value))) continue;
            disabled.Add(serviceName);
        }
        var off = disabled.ToHashSet(StringComparer.Ordinal);
        services.RemoveWhere((k, _) => off.Contains(k));
        _disabled.UnionWith(disabled);
    }

    private readonly HashSet<string> _disabled = new(StringComparer.Ordinal);

    private void ResolveFilePaths(MappingNode project, string kind)
    {
        if (project[kind] is not MappingNode resources) return;
        foreach (var (key, node) in resources.Entries)
            if (node is MappingNode r && r["file"] is ScalarNode f)
            {
                var file = Path.GetFullPath(ExpandHome(f.Value), projectDir);
                // The engine bind-mounts the file into containers: its content leaves the host as surely as a read.
                if (FileRefusal.Check(fs, file, f.Value, f.Mark, $"{kind}.{key}.file") is { } refused) diagnostics.Add(refused);
                r["file"] = Str(file, f.Mark);
            }
    }

    /// <summary>compose prints only the networks, volumes, secrets and configs the enabled services use.</summary>
    private static void DropUnusedResources(MappingNode project, MappingNode services, bool keepSecretsAndConfigs)
    {
        var usedNetworks = new HashSet<string>(StringComparer.Ordinal);
        var usedVolumes = new HashSet<string>(StringComparer.Ordinal);
        var usedSecrets = new HashSet<string>(StringComparer.Ordinal);
        var usedConfigs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, node) in services.Entries)
        {
            if (node is not MappingNode s) continue;
            if (s["networks"] is MappingNode nets) usedNetworks.UnionWith(nets.Keys);
            if (s["volumes"] is SequenceNode vols)
                foreach (var v in vols.Items.OfType<MappingNode>())
                    if (v["type"] is ScalarNode { Value: "volume" } && v["source"] is ScalarNode src) usedVolumes.Add(src.Value);
            foreach (var (key, used) in new[] { ("secrets", usedSecrets), ("configs", usedConfigs) })
                if (s[key] is SequenceNode refs)
                    foreach (var r in refs.Items.OfType<MappingNode>())
                        if (r["source"] is ScalarNode src) used.Add(src.Value);
            // Secrets a build uses keep their top-level definition too.
            if (s["build"] is MappingNode { } build && build["secrets"] is SequenceNode buildSecrets)
                foreach (var r in buildSecrets.Items.OfType<MappingNode>())
                    if (r["source"] is ScalarNode src) usedSecrets.Add(src.Value);
        }
        foreach (var (kind, used) in new[] { ("networks", usedNetworks), ("volumes", usedVolumes), ("secrets", usedSecrets), ("configs", usedConfigs) })
        {
            if (keepSecretsAndConfigs && kind is "secrets" or "configs") continue;
            if (project[kind] is not MappingNode resources) continue;
            resources.RemoveWhere((k, _) => !used.Contains(k));
            if (resources.Count == 0) project.Remove(kind);
        }
    }

    private static void NormalizeNetworks(MappingNode project, MappingNode services)
    {
        var usesDefault = false;
        foreach (var (_, node) in services.Entries)
        {
            if (node is not MappingNode s || s.ContainsKey("network_mode") || s.ContainsKey("provider")) continue;
            if (s["networks"] is not MappingNode { Count: > 0 } nets)
            {
                var n = new MappingNode(s.Mark) { IsMap = true };
                n["default"] = ScalarNode.Null(s.Mark);
                s["networks"] = n;
                usesDefault = true;
            }
            else if (nets.ContainsKey("default")) usesDefault = true;
        }
        if (!usesDefault) return;
        var networks = project["networks"] as MappingNode ?? new MappingNode(project.Mark) { IsMap = true };
        if (!networks.ContainsKey("default"))
        {
            var def = new MappingNode(project.Mark);
            def["ipam"] = new MappingNode(project.Mark);
            networks["default"] = def;
            var sorted = new MappingNode(networks.Mark) { IsMap = true };
            foreach (var k in networks.Keys.OrderBy(k => k, StringComparer.Ordinal)) sorted[k] = networks[k]!;
            networks = sorted;
        }
        project["networks"] = networks;
        ReorderTopLevel(project);
    }

    private static void ReorderTopLevel(MappingNode project)
    {
        var order = new[] { "name", "networks", "services", "volumes", "secrets", "configs", "models", "include" };
        // One pass and a lookup: a project may hold 100,000 top-level x- keys.
        var entries = project.Entries.ToList();
        var byKey = entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        project.RemoveWhere((_, _) => true);
        foreach (var k in order.Concat(entries.Select(e => e.Key)).Distinct(StringComparer.Ordinal))
            if (byKey.TryGetValue(k, out var v)) project[k] = v;
    }

    private void NameResources(MappingNode project, string kind)
    {
        if (project[kind] is not MappingNode resources) return;
        foreach (var (key, node) in resources.Entries.ToList())
        {
            var r = node as MappingNode ?? new MappingNode(node.Mark);
            var unnamed = r["name"] is ScalarNode { Value: Shaping.ComposeSchema.UnnamedMarker };
            if (unnamed) r.Remove("name");
            else if (!r.ContainsKey("name"))
            {
                var external = r["external"] is ScalarNode { Value: "true" };
                var named = new MappingNode(r.Mark);
                named["name"] = Str(external ? key : $"{name}_{key}", r.Mark);
                foreach (var (k, v) in r.Entries) named[k] = v;
                r = named;
            }
            if (kind == "networks" && !r.ContainsKey("ipam"))
            {
                // Keep compose's printed field order: name, driver, driver_opts, ipam, …
                var ordered = new MappingNode(r.Mark);
                foreach (var k in new[] { "name", "driver", "driver_opts" }) if (r[k] is { } v) ordered[k] = v;
                ordered["ipam"] = new MappingNode(r.Mark);
                foreach (var (k, v) in r.Entries) if (!ordered.ContainsKey(k)) ordered[k] = v;
                r = ordered;
            }
            resources[key] = r;
        }
    }
}
