using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Loading;

/// <summary>
/// The cross-reference checks compose makes on a normalized project (undefined services,
/// networks and volumes, contradictory limits, dependency cycles), each naming the service and key.
/// </summary>
internal sealed class ConsistencyCheck(MappingNode project, IReadOnlySet<string> disabled, List<Diagnostic> diagnostics)
{
    private void Error(string message, Node at, string path) => diagnostics.Add(Diagnostic.Error(message, at.Mark, path));

    public void Run()
    {
        var services = project["services"] as MappingNode ?? new MappingNode(project.Mark);
        var networks = project["networks"] as MappingNode;
        var volumes = project["volumes"] as MappingNode;
        foreach (var (name, node) in services.Entries)
        {
            if (node is not MappingNode s) continue;
            var path = $"services.{Excerpt.Of(name)}";
            if (!s.ContainsKey("image") && !s.ContainsKey("build") && !s.ContainsKey("provider"))
                Error($"service {Excerpt.Quoted(name)} has neither an image nor a build context specified: add image:", s, path);
            if (s.ContainsKey("network_mode") && s["networks"] is MappingNode { Count: > 0 } && s.ContainsKey("network_mode"))
                Error($"service {Excerpt.Of(name)} declares mutually exclusive `network_mode` and `networks`: keep one", s["network_mode"]!, path + ".network_mode");
            if (s["networks"] is MappingNode nets)
                foreach (var (net, v) in nets.Entries)
                    if (networks?.ContainsKey(net) != true)
                        Error($"service {Excerpt.Quoted(name)} refers to undefined network {Excerpt.Of(net)}: define it under the top-level networks:", v, $"{path}.networks.{Excerpt.Of(net)}");
            if (s["build"] is MappingNode build && build.ContainsKey("dockerfile_inline") && build["dockerfile"] is ScalarNode df)
                Error($"service {Excerpt.Quoted(name)} declares mutually exclusive dockerfile and dockerfile_inline: keep one", df, path + ".build.dockerfile");
            if (s["platform"] is ScalarNode { Value.Length: > 0 } platform && s["build"] is MappingNode { } b
                && b["platforms"] is SequenceNode { Items.Count: > 0 } platforms
                && !platforms.Items.Any(p => p is ScalarNode { Value: var v } && v == platform.Value))
                Error($"service.build.platforms MUST include service.platform {Excerpt.Quoted(platform.Value)}: add it to build.platforms or change platform", platform, path + ".platform");
            if (s["healthcheck"] is MappingNode hc && hc["test"] is SequenceNode { Items.Count: > 0 } test
                && test.Items[0] is ScalarNode { Value: not ("CMD" or "CMD-SHELL" or "NONE") } first)
                Error("healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\"", first, path + ".healthcheck.test");
            if (s["depends_on"] is MappingNode deps)
                foreach (var (dep, v) in deps.Entries)
                    if (!services.ContainsKey(dep)
                        // compose: an optional dependency on a service whose profile is off is fine.
                        && !(disabled.Contains(dep) && v is MappingNode d && d["required"] is ScalarNode { Value: "false" }))
                        Error($"service {Excerpt.Quoted(name)} depends on undefined service {Excerpt.Quoted(dep)}: define it, enable its profile, or mark the dependency required: false", v, $"{path}.depends_on.{Excerpt.Of(dep)}");
            if (s["network_mode"] is ScalarNode { Value: var mode } nm && mode.StartsWith("service:", StringComparison.Ordinal)
                && !services.ContainsKey(mode["service:".Length..]))
                Error($"service {Excerpt.Quoted(mode["service:".Length..])} not found for network_mode '{Excerpt.Of(mode)}'", nm, path + ".network_mode");
            if (s["volumes"] is SequenceNode vols)
                for (var i = 0; i < vols.Items.Count; i++)
                    if (vols.Items[i] is MappingNode v && v["type"] is ScalarNode { Value: "volume" } && v["source"] is ScalarNode { Value.Length: > 0 } src
                        && volumes?.ContainsKey(src.Value) != true)
                        Error($"service {Excerpt.Quoted(name)} refers to undefined volume {Excerpt.Of(src.Value)}: define it under the top-level volumes:", src, $"{path}.volumes[{i}]");
            foreach (var kind in new[] { "secrets", "configs" })
                if (s[kind] is SequenceNode refs)
                    for (var i = 0; i < refs.Items.Count; i++)
                        if (refs.Items[i] is MappingNode r && r["source"] is ScalarNode src && (project[kind] as MappingNode)?.ContainsKey(src.Value) != true)
                            Error($"service {Excerpt.Quoted(name)} refers to undefined {kind[..^1]} {Excerpt.Of(src.Value)}: define it under the top-level {kind}:", src, $"{path}.{kind}[{i}]");
            CheckLimits(name, s, path);
            CheckScale(s, path);
        }
        FindCycles(services);
    }

    private void CheckLimits(string name, MappingNode s, string path)
    {
        if (s["deploy"] is not MappingNode deploy || deploy["resources"] is not MappingNode res || res["limits"] is not MappingNode limits) return;
        void Same(string key, string limitKey, string what)
        {
            if (s[key] is not ScalarNode v) return;
            var limit = (limits[limitKey] as ScalarNode)?.Value;
            if (limit != v.Value && !(limit is null && v.Value is "0"))
                Error($"services.{Excerpt.Of(name)}: can't set distinct values on '{key}' and 'deploy.resources.limits.{limitKey}': set {what} in one place", v, $"{path}.{key}");
        }
        Same("cpus", "cpus", "the CPU limit");
        Same("mem_limit", "memory", "the memory limit");
        Same("pids_limit", "pids", "the pids limit");
    }

    /// <summary>
    /// compose-go's checks on the number of containers (loader/validate.go): <c>scale</c> and
    /// <c>deploy.replicas</c> agree when both are set, neither is negative, and a <c>container_name</c>
    /// allows one container. A count past what one host can run in 32 bits is refused here as well,
    /// so the desired state always holds the number as written.
    /// </summary>
    private void CheckScale(MappingNode s, string path)
    {
        var scale = s["scale"] as ScalarNode;
        var replicas = (s["deploy"] as MappingNode)?["replicas"] as ScalarNode;
        if (scale is not null && replicas is not null && scale.Value != replicas.Value)
            Error("can't set distinct values on 'scale' and 'deploy.replicas': set the number of containers in one place", scale, path + ".scale");
        foreach (var (count, key) in new[] { (scale, "scale"), (replicas, "deploy.replicas") })
        {
            if (Count(count) is not { } n) continue;
            if (n < 0)
                Error("must be greater than or equal to 0", count!, $"{path}.{key}");
            else if (n > int.MaxValue)
                Error($"{n} containers is more than one host can run: at most {int.MaxValue}", count!, $"{path}.{key}");
        }
        // compose counts scale first (ServiceConfig.GetScale).
        var (wanted, wantedKey) = scale is not null ? (scale, "scale") : (replicas, "deploy.replicas");
        if (Count(wanted) is > 1 and <= int.MaxValue and var many && s["container_name"] is ScalarNode containerName)
            Error($"can't set container_name and {wantedKey} as container name must be unique: drop container_name {Excerpt.Quoted(containerName.Value)} to run {many} containers, or ask for one", wanted!, $"{path}.{wantedKey}");

        static long? Count(ScalarNode? node) =>
            node is not null && long.TryParse(node.Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>
    /// Depth-first over depends_on with an explicit stack: a chain of 100,000 services is a
    /// valid (if odd) file and must not exhaust the thread's stack.
    /// </summary>
    private void FindCycles(MappingNode services)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1: on the path, 2: done
        var path = new List<string>();
        var pending = new Stack<(string Name, IEnumerator<string> Deps)>();
        IEnumerator<string> DepsOf(string n) =>
            (services[n] is MappingNode s && s["depends_on"] is MappingNode deps ? deps.Keys : []).GetEnumerator();

        foreach (var root in services.Keys)
        {
            if (state.GetValueOrDefault(root) != 0) continue;
            state[root] = 1;
            path.Add(root);
            pending.Push((root, DepsOf(root)));
            while (pending.Count > 0)
            {
                var (n, deps) = pending.Peek();
                if (!deps.MoveNext())
                {
                    pending.Pop();
                    path.RemoveAt(path.Count - 1);
                    state[n] = 2;
                    continue;
                }
                var dep = deps.Current;
                if (!services.ContainsKey(dep)) continue;
                var st = state.GetValueOrDefault(dep);
                if (st == 1)
                {
                    var cycle = path.Skip(path.IndexOf(dep)).Append(dep).Select(Excerpt.Of);
                    var at = ((MappingNode)((MappingNode)services[n]!)["depends_on"]!)[dep]!;
                    Error($"dependency cycle detected: {Excerpt.Of(string.Join(" -> ", cycle))}", at, $"services.{Excerpt.Of(n)}.depends_on");
                    return;
                }
                if (st != 0) continue;
                state[dep] = 1;
                path.Add(dep);
                pending.Push((dep, DepsOf(dep)));
            }
        }
    }
}
