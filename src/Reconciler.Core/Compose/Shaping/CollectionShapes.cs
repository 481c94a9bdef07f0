using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Shaping;

/// <summary>
/// A sequence of items. <paramref name="acceptScalar"/>: a lone string counts as a one-item list
/// (<c>dns: 8.8.8.8</c>). <paramref name="uniqueBy"/>: compose's rule that a later entry with the same
/// key replaces an earlier one in place (ports, volumes, cap_add…).
/// </summary>
internal sealed class ListShape(Shape item, bool acceptScalar = false, Func<Node, string?>? uniqueBy = null,
    Func<Node, TreePath, ShapeContext, IEnumerable<Node>>? expand = null) : Shape
{
    public override Node? Apply(Node node, TreePath path, ShapeContext ctx)
    {
        if (node is ScalarNode { IsNull: true }) return null;
        if (node is ScalarNode && acceptScalar) node = new SequenceNode(node.Mark, [node]);
        if (node is not SequenceNode seq)
        {
            ctx.Error($"must be a list, not {ShapeContext.Describe(node)}", node, path);
            return null;
        }
        var result = new SequenceNode(seq.Mark);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < seq.Items.Count; i++)
        {
            var itemPath = path.Index(i);
            var sources = expand is null ? [seq.Items[i]] : expand(seq.Items[i], itemPath, ctx);
            foreach (var source in sources)
            {
                var shaped = item.Apply(source, itemPath, ctx);
                if (shaped is null) continue;
                var key = uniqueBy?.Invoke(shaped);
                if (key is not null && index.TryGetValue(key, out var at)) result.Items[at] = shaped;
                else
                {
                    if (key is not null) index[key] = result.Items.Count;
                    result.Items.Add(shaped);
                }
            }
        }
        return result;
    }

    public static string? ScalarKey(Node n) => n is ScalarNode s ? s.Value : null;
}

/// <summary>A mapping with free keys (service names, network names), printed sorted as Go prints maps.</summary>
internal sealed class DictShape(Func<Shape> value, bool sorted = true, Func<string, bool>? keyFilter = null) : Shape
{
    public override Node? Apply(Node node, TreePath path, ShapeContext ctx)
    {
        if (node is ScalarNode { IsNull: true }) return null;
        if (node is not MappingNode map)
        {
            ctx.Error($"must be a mapping, not {ShapeContext.Describe(node)}", node, path);
            return null;
        }
        var result = new MappingNode(map.Mark) { IsMap = true };
        var keys = sorted ? map.Keys.OrderBy(k => k, StringComparer.Ordinal) : map.Keys;
        foreach (var key in keys)
        {
            if (keyFilter is not null && !keyFilter(key)) continue;
            var shaped = value().Apply(map[key]!, path.Next(key), ctx);
            result[key] = shaped ?? new ScalarNode("", ScalarKind.Null, map[key]!.Mark);
            result.SetKeyMark(key, map.KeyMark(key));
        }
        return result;
    }
}

/// <summary>
/// compose's "list or dict" (environment, labels, sysctls, driver options): <c>[K=V, K]</c> or
/// <c>{K: V}</c>, printed as a sorted mapping of strings. <paramref name="nullAs"/>: what a key without
/// a value becomes — environment keeps null (resolved later from the environment), labels take "".
/// </summary>
internal sealed class KeyValueShape(string? nullAs, char separator = '=') : Shape
{
    public static readonly KeyValueShape Environment = new(nullAs: null);
    public static readonly KeyValueShape Labels = new(nullAs: "");
    public static readonly KeyValueShape Options = new(nullAs: "");

    public override Node? Apply(Node node, TreePath path, ShapeContext ctx)
    {
        if (node is ScalarNode { IsNull: true }) return null;
        var pairs = new SortedDictionary<string, (string? Value, Mark Mark)>(StringComparer.Ordinal);
        switch (node)
        {
            case SequenceNode seq:
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    if (seq.Items[i] is not ScalarNode { IsNull: false } s)
                    {
                        ctx.Error("entries must be strings like KEY=VALUE", seq.Items[i], path.Index(i));
                        continue;
                    }
                    var text = YamlCoreSchema.AsGoString(s);
                    var eq = text.IndexOf(separator);
                    if (eq < 0) pairs[text] = (nullAs, s.Mark);
                    else pairs[text[..eq]] = (text[(eq + 1)..], s.Mark);
                }
                break;
            case MappingNode map:
                foreach (var (k, v) in map.Entries)
                {
                    switch (v)
                    {
                        case ScalarNode { IsNull: true }: pairs[k] = (nullAs, v.Mark); break;
                        case ScalarNode s: pairs[k] = (YamlCoreSchema.AsGoString(s), v.Mark); break;
                        default:
                            ctx.Error($"must be a string, number or boolean, not {ShapeContext.Describe(v)}", v, path.Next(k));
                            break;
                    }
                }
                break;
            default:
                ctx.Error($"must be a list of KEY=VALUE or a mapping, not {ShapeContext.Describe(node)}", node, path);
                return null;
        }
        var result = new MappingNode(node.Mark) { IsMap = true };
        foreach (var (k, (v, mark)) in pairs)
        {
            result[k] = v is null ? new ScalarNode("", ScalarKind.Null, mark) : new ScalarNode(v, ScalarKind.String, mark);
            result.SetKeyMark(k, mark);
        }
        return result;
    }
}
