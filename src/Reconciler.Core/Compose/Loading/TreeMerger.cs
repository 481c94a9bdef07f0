using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Loading;

/// <summary>
/// Merges a later compose file into the accumulated tree with Docker Compose's override rules:
/// mappings merge key by key, sequences append, scalars are replaced, and a handful of keys have
/// rules of their own (listed in <see cref="Rule"/>). A null in the override keeps the base value;
/// <c>!reset</c> removes it and <c>!override</c> replaces it whole.
/// </summary>
internal static class TreeMerger
{
    private enum Merge { Default, Replace, ToSequence, ExtraHosts, ToMapping, DependsOn, Logging, Build }

    private static Merge Rule(TreePath p)
    {
        if (!p.IsUnder("services"))
        {
            if (p.Matches("networks.*.labels") || p.Matches("volumes.*.labels")) return Merge.ToSequence;
            return Merge.Default;
        }
        if (p.Matches("services.*.command") || p.Matches("services.*.entrypoint")
            || p.Matches("services.*.healthcheck.test") || p.Matches("services.*.ulimits.*")) return Merge.Replace;
        if (p.Matches("services.*.labels") || p.Matches("services.*.environment") || p.Matches("services.*.annotations")
            || p.Matches("services.*.env_file") || p.Matches("services.*.label_file") || p.Matches("services.*.dns")
            || p.Matches("services.*.dns_opt") || p.Matches("services.*.dns_search") || p.Matches("services.*.sysctls")
            || p.Matches("services.*.tmpfs") || p.Matches("services.*.deploy.labels") || p.Matches("services.*.build.args")
            || p.Matches("services.*.build.labels") || p.Matches("services.*.build.additional_contexts")
            || p.Matches("services.*.volumes.*.volume.labels")) return Merge.ToSequence;
        if (p.Matches("services.*.extra_hosts") || p.Matches("services.*.build.extra_hosts")) return Merge.ExtraHosts;
        if (p.Matches("services.*.networks")) return Merge.ToMapping;
        if (p.Matches("services.*.depends_on")) return Merge.DependsOn;
        if (p.Matches("services.*.logging")) return Merge.Logging;
        if (p.Matches("services.*.build")) return Merge.Build;
        return Merge.Default;
    }

    /// <summary>Merges <paramref name="over"/> into <paramref name="base"/>; returns the result (may be either).</summary>
    public static MappingNode MergeRoot(MappingNode @base, MappingNode over)
    {
        MergeMappings(@base, over, TreePath.Root);
        return @base;
    }

    /// <summary>Merges a service over the one it extends, with the same rules as file overrides.</summary>
    public static MappingNode MergeService(MappingNode @base, MappingNode over, string name)
    {
        MergeMappings(@base, over, new TreePath("services").Next(name));
        return @base;
    }

    private static Node? MergeNode(Node @base, Node over, TreePath path)
    {
        if (over.Tag == "!reset") return null;
        if (over.Tag == "!override") { over.Tag = null; return over; }
        switch (Rule(path))
        {
            case Merge.Replace: return over;
            case Merge.ToSequence: return Concat(ToSequence(@base), ToSequence(over), over.Mark);
            case Merge.ExtraHosts:
            {
                var left = ToSequence(@base);
                var seen = left.Items.OfType<ScalarNode>().Select(s => s.Value).ToHashSet(StringComparer.Ordinal);
                foreach (var item in ToSequence(over).Items)
                    if (item is not ScalarNode s || !seen.Contains(s.Value)) left.Items.Add(item);
                return left;
            }
            case Merge.ToMapping:
                return MergeMappingsInto(ToMapping(@base, null), ToMapping(over, null), path);
            case Merge.DependsOn:
                return MergeMappingsInto(ToMapping(@base, DependsOnDefault), ToMapping(over, DependsOnDefault), path);
            case Merge.Logging when @base is MappingNode b && over is MappingNode o:
            {
                var bd = (b["driver"] as ScalarNode)?.Value;
                var od = (o["driver"] as ScalarNode)?.Value;
                // compose: options merge only when both name the same driver, or one names none.
                return bd == od || bd is null || od is null ? MergeMappingsInto(b, o, path) : o;
            }
            case Merge.Build:
                return MergeMappingsInto(BuildToMapping(@base), BuildToMapping(over), path);
        }
        if (over is ScalarNode { IsNull: true }) return @base;
        return (@base, over) switch
        {
            (MappingNode b, MappingNode o) => MergeMappingsInto(b, o, path),
            (SequenceNode b, SequenceNode o) => Concat(b, o, o.Mark),
            (MappingNode or SequenceNode, _) => throw new ComposeException(Diagnostic.Error(
                $"cannot override {path}: the files disagree on its type", over.Mark, path.Value)),
            _ => over,
        };
    }

    private static MappingNode MergeMappingsInto(MappingNode @base, MappingNode over, TreePath path)
    {
        MergeMappings(@base, over, path);
        return @base;
    }

    private static void MergeMappings(MappingNode @base, MappingNode over, TreePath path)
    {
        foreach (var (key, value) in over.Entries)
        {
            if (!@base.TryGet(key, out var existing))
            {
                if (value.Tag == "!reset") continue;
                @base[key] = value;
                @base.SetKeyMark(key, over.KeyMark(key));
                continue;
            }
            var merged = MergeNode(existing, value, path.Next(key));
            if (merged is null) @base.Remove(key);
            else @base[key] = merged;
        }
    }

    private static SequenceNode Concat(SequenceNode a, SequenceNode b, Mark mark)
    {
        var s = new SequenceNode(a.Items.Count > 0 ? a.Mark : mark, [.. a.Items, .. b.Items]);
        return s;
    }

    /// <summary>compose's map-to-sequence: <c>{K: V}</c> becomes sorted <c>"K=V"</c> items, a null value just <c>"K"</c>.</summary>
    internal static SequenceNode ToSequence(Node node)
    {
        switch (node)
        {
            case SequenceNode s: return s;
            case MappingNode m:
            {
                var items = new List<(string, Mark)>();
                foreach (var (k, v) in m.Entries)
                {
                    switch (v)
                    {
                        case ScalarNode { IsNull: true }: items.Add((k, v.Mark)); break;
                        case ScalarNode sv: items.Add(($"{k}={YamlCoreSchema.AsGoString(sv)}", v.Mark)); break;
                        case SequenceNode seq:
                            foreach (var e in seq.Items)
                                items.Add(($"{k}={(e is ScalarNode es ? YamlCoreSchema.AsGoString(es) : "")}", e.Mark));
                            break;
                        default:
                            throw new ComposeException(Diagnostic.Error($"{Excerpt.Of(k)} must be a string, number, boolean or null", v.Mark));
                    }
                }
                items.Sort((x, y) => string.CompareOrdinal(x.Item1, y.Item1));
                return new SequenceNode(m.Mark, items.Select(i => (Node)new ScalarNode(i.Item1, ScalarKind.String, i.Item2)).ToList());
            }
            case ScalarNode { IsNull: true } n: return new SequenceNode(n.Mark);
            case ScalarNode sc: return new SequenceNode(sc.Mark, [sc]);
            default: return new SequenceNode(node.Mark);
        }
    }

    private static MappingNode DependsOnDefault(Mark mark)
    {
        var m = new MappingNode(mark);
        m["condition"] = new ScalarNode("service_started", ScalarKind.String, mark);
        m["required"] = new ScalarNode("true", ScalarKind.Bool, mark);
        return m;
    }

    /// <summary>compose's sequence-to-mapping: <c>[a, b]</c> becomes <c>{a: default, b: default}</c>.</summary>
    internal static MappingNode ToMapping(Node node, Func<Mark, MappingNode>? makeDefault)
    {
        switch (node)
        {
            case MappingNode m: return m;
            case SequenceNode s:
                var map = new MappingNode(s.Mark);
                foreach (var item in s.Items)
                {
                    if (item is not ScalarNode sc || sc.IsNull)
                        throw new ComposeException(Diagnostic.Error("list entries must be names", item.Mark));
                    map[sc.Value] = makeDefault is null ? ScalarNode.Null(item.Mark) : makeDefault(item.Mark);
                    map.SetKeyMark(sc.Value, item.Mark);
                }
                return map;
            default:
                return new MappingNode(node.Mark);
        }
    }

    private static MappingNode BuildToMapping(Node node)
    {
        if (node is MappingNode m) return m;
        var map = new MappingNode(node.Mark);
        if (node is ScalarNode s && !s.IsNull) map["context"] = s;
        return map;
    }

    /// <summary>Drops nodes still tagged <c>!reset</c> (nothing to reset in a first file) and clears tags.</summary>
    public static void StripResets(Node node)
    {
        switch (node)
        {
            case MappingNode m:
                m.RemoveWhere((_, v) => v.Tag == "!reset");
                foreach (var (_, v) in m.Entries) StripResets(v);
                break;
            case SequenceNode s:
                s.Items.RemoveAll(i => i.Tag == "!reset");
                foreach (var i in s.Items) StripResets(i);
                break;
        }
        node.Tag = null;
    }
}
