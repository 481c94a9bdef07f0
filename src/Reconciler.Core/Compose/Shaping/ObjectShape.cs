using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Shaping;

/// <summary>
/// A mapping with a fixed set of keys, printed in the order listed (compose prints struct fields
/// in declaration order). Unknown keys are errors naming the key path; <c>x-*</c> keys are allowed
/// and dropped, as compose drops extensions from what it prints.
/// </summary>
internal sealed class ObjectShape : Shape
{
    private readonly List<(string Key, Func<Shape> Shape)> _fields = [];
    private readonly Dictionary<string, Func<Shape>> _byKey = new(StringComparer.Ordinal);
    private readonly HashSet<string> _alwaysPrinted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _emptyWhenAbsent = new(StringComparer.Ordinal);
    private readonly HashSet<string> _keepZero = new(StringComparer.Ordinal);

    /// <summary>A null value stays null (a service's <c>networks: {backend: }</c>), not an empty mapping.</summary>
    public bool KeepNull { get; init; }
    /// <summary><c>x-*</c> keys are printed as written (compose prints top-level extensions).</summary>
    public bool KeepExtensions { get; init; }

    /// <summary>
    /// Fields printed even when false or 0 (Go pointers: <c>init: false</c>, <c>retries: 0</c>). Every other
    /// field is omitted when empty, false or zero, as Go's omitempty omits it.
    /// </summary>
    public ObjectShape KeepZero(params string[] keys)
    {
        foreach (var k in keys) _keepZero.Add(k);
        return this;
    }

    /// <summary>Turns short syntax (a string, a list) into the mapping form before fields are shaped.</summary>
    public Func<Node, TreePath, ShapeContext, Node?>? Before { get; init; }
    /// <summary>Fills defaults and checks cross-field rules on the shaped mapping.</summary>
    public Action<MappingNode, TreePath, ShapeContext>? After { get; init; }

    public ObjectShape Field(string key, Shape shape) => Field(key, () => shape);

    /// <summary>Lazy form, for recursive or later-defined shapes.</summary>
    public ObjectShape Field(string key, Func<Shape> shape)
    {
        _fields.Add((key, shape));
        _byKey[key] = shape;
        return this;
    }

    /// <summary>
    /// Puts the mapping's keys back in field order, other keys (extensions) after them as they were:
    /// normalization adds fields (the default network, environment from env files, implicit
    /// dependencies) after shaping, and compose prints, and hashes, struct fields in declaration order.
    /// </summary>
    public void Reorder(MappingNode m)
    {
        var entries = m.Entries.ToList();
        var byKey = entries.ToDictionary(e => e.Key, e => (e.Value, Mark: m.KeyMark(e.Key)), StringComparer.Ordinal);
        m.RemoveWhere((_, _) => true);
        foreach (var key in _fields.Select(f => f.Key).Concat(entries.Select(e => e.Key)))
        {
            if (!byKey.Remove(key, out var entry)) continue;
            m[key] = entry.Value;
            m.SetKeyMark(key, entry.Mark);
        }
    }

    /// <summary>A field compose prints even when empty (<c>"command": null</c>, <c>"placement": {}</c>).</summary>
    public ObjectShape Always(params string[] keys)
    {
        foreach (var k in keys) _alwaysPrinted.Add(k);
        return this;
    }

    /// <summary>A field compose prints as <c>{}</c> when absent (a Go struct that is not a pointer).</summary>
    public ObjectShape EmptyWhenAbsent(params string[] keys)
    {
        foreach (var k in keys) _emptyWhenAbsent.Add(k);
        return this;
    }

    public override Node? Apply(Node node, TreePath path, ShapeContext ctx)
    {
        if (Before is not null)
        {
            var converted = Before(node, path, ctx);
            if (converted is null) return null;
            node = converted;
        }
        if (node is ScalarNode { IsNull: true })
        {
            if (KeepNull) return null;
            node = new MappingNode(node.Mark);
        }
        if (node is not MappingNode map)
        {
            ctx.Error($"must be a mapping, not {ShapeContext.Describe(node)}", node, path);
            return null;
        }
        foreach (var key in map.Keys)
        {
            if (!_byKey.ContainsKey(key) && !key.StartsWith("x-", StringComparison.Ordinal))
                ctx.Error($"unknown key {Excerpt.Quoted(key)}{Suggest(key)}", map.KeyMark(key), path.Next(key));
        }
        var result = new MappingNode(map.Mark);
        foreach (var (key, shape) in _fields)
        {
            if (map.TryGet(key, out var value))
            {
                var shaped = shape().Apply(value, path.Next(key), ctx);
                if (shaped is ScalarNode sc && !_keepZero.Contains(key) && IsZero(sc)) shaped = null;
                if (shaped is not null)
                {
                    result[key] = shaped;
                    result.SetKeyMark(key, map.KeyMark(key));
                }
            }
        }
        After?.Invoke(result, path, ctx);
        // Keep key order as declared after After added defaults.
        var ordered = new MappingNode(result.Mark);
        foreach (var (key, _) in _fields)
        {
            if (result.TryGet(key, out var v))
            {
                ordered[key] = v;
                ordered.SetKeyMark(key, result.KeyMark(key));
            }
            else if (_alwaysPrinted.Contains(key))
                ordered[key] = new ScalarNode("", ScalarKind.Null, result.Mark);
            else if (_emptyWhenAbsent.Contains(key))
                ordered[key] = new MappingNode(result.Mark);
        }
        if (KeepExtensions)
            foreach (var (key, value) in map.Entries)
                if (key.StartsWith("x-", StringComparison.Ordinal)) ordered[key] = value;
        return ordered;
    }

    private static bool IsZero(ScalarNode s) => s.Kind switch
    {
        ScalarKind.String => s.Value.Length == 0,
        ScalarKind.Bool => s.Value == "false",
        ScalarKind.Int or ScalarKind.Float => s.Value is "0" or "-0",
        _ => false,
    };

    private string Suggest(string key)
    {
        // Only a near miss is suggested; the distance costs key length × field length, so a
        // megabyte-long key is not compared at all.
        if (key.Length > 40) return "";
        var best = _fields.Select(f => f.Key).MinBy(k => Distance(k, key));
        return best is not null && Distance(best, key) <= 2 ? $" (did you mean \"{best}\"?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}

