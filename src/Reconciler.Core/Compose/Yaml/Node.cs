namespace Reconciler.Core.Compose.Yaml;

/// <summary>Where a node came from, for errors users can act on.</summary>
public readonly record struct Mark(string File, int Line, int Column)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}

/// <summary>
/// The loader's working tree. Mutable on purpose and internal to loading: compose's merge,
/// uniqueness and canonical rules are tree rewrites; the typed, immutable model is built at the end.
/// </summary>
internal abstract class Node
{
    protected Node(Mark mark) => Mark = mark;
    public Mark Mark { get; set; }
    /// <summary><c>!reset</c> or <c>!override</c> when the file tagged the node; other tags are dropped.</summary>
    public string? Tag { get; set; }
    public abstract Node Clone();
}

/// <summary>What a scalar is once typed: how YAML read it, or what a schema coerced it to.</summary>
internal enum ScalarKind { String, Int, Float, Bool, Null, Timestamp }

internal sealed class ScalarNode : Node
{
    public ScalarNode(string value, Mark mark, bool plain = false) : base(mark)
    {
        Value = value;
        Plain = plain;
        Kind = plain ? YamlCoreSchema.Resolve(value) : ScalarKind.String;
    }

    public ScalarNode(string value, ScalarKind kind, Mark mark) : base(mark)
    {
        Value = value;
        Kind = kind;
        Plain = kind != ScalarKind.String;
    }

    /// <summary>The type YAML's core schema gives the scalar (go-yaml v3 rules), or the schema's coercion.</summary>
    public ScalarKind Kind { get; set; }

    /// <summary>The scalar's text; for a plain <c>null</c>/<c>~</c>/empty scalar see <see cref="IsNull"/>.</summary>
    public string Value { get; set; }

    /// <summary>Plain (unquoted) scalars are the only ones YAML types as null, bool or number.</summary>
    public bool Plain { get; set; }

    public bool IsNull => Kind == ScalarKind.Null;

    // Copies the kind instead of resolving the text again: aliases clone up to max_nodes scalars.
    public override Node Clone() => new ScalarNode(Value, Kind, Mark) { Plain = Plain, Tag = Tag };
    public static ScalarNode Null(Mark mark) => new("", mark, plain: true);
    public override string ToString() => Value;
}

internal sealed class SequenceNode : Node
{
    public SequenceNode(Mark mark, List<Node>? items = null) : base(mark) => Items = items ?? [];
    public List<Node> Items { get; }
    public override Node Clone() => new SequenceNode(Mark, Items.Select(i => i.Clone()).ToList()) { Tag = Tag };
}

internal sealed class MappingNode : Node
{
    // Entries keep their key's position with them: one list, no side tables, because a large
    // project holds tens of thousands of small mappings and each allocation shows up as GC time.
    private readonly List<(string Key, Node Value, Mark KeyMark)> _entries = [];
    private Dictionary<string, int>? _index;
    private const int IndexThreshold = 8;

    public MappingNode(Mark mark) : base(mark) { }

    /// <summary>
    /// A Go map in compose-go's model (free keys: services, environment, labels…), not a struct: go-yaml
    /// prints its keys in its own natural order, where a struct keeps its field order.
    /// </summary>
    public bool IsMap { get; set; }

    public IEnumerable<KeyValuePair<string, Node>> Entries => _entries.Select(e => new KeyValuePair<string, Node>(e.Key, e.Value));
    public int Count => _entries.Count;
    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    private int IndexOf(string key)
    {
        if (_index is not null) return _index.TryGetValue(key, out var i) ? i : -1;
        for (var i = 0; i < _entries.Count; i++)
            if (string.Equals(_entries[i].Key, key, StringComparison.Ordinal)) return i;
        return -1;
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public Node? this[string key]
    {
        get => IndexOf(key) is var i and >= 0 ? _entries[i].Value : null;
        set
        {
            if (value is null) { Remove(key); return; }
            var i = IndexOf(key);
            if (i >= 0) _entries[i] = (key, value, _entries[i].KeyMark);
            else
            {
                _entries.Add((key, value, Mark));
                if (_index is not null) _index[key] = _entries.Count - 1;
                else if (_entries.Count > IndexThreshold) Reindex();
            }
        }
    }

    private void Reindex()
    {
        _index = new Dictionary<string, int>(_entries.Count, StringComparer.Ordinal);
        for (var j = 0; j < _entries.Count; j++) _index[_entries[j].Key] = j;
    }

    public bool TryGet(string key, out Node node)
    {
        var i = IndexOf(key);
        node = i >= 0 ? _entries[i].Value : null!;
        return i >= 0;
    }

    public void Remove(string key)
    {
        var i = IndexOf(key);
        if (i < 0) return;
        _entries.RemoveAt(i);
        if (_index is not null) Reindex();
    }

    /// <summary>
    /// Removes every entry <paramref name="remove"/> selects in one pass: removing keys one by one
    /// shifts and re-indexes the rest each time, which is quadratic in a mapping of 100,000 keys.
    /// </summary>
    public void RemoveWhere(Func<string, Node, bool> remove)
    {
        if (_entries.RemoveAll(e => remove(e.Key, e.Value)) == 0) return;
        if (_entries.Count > IndexThreshold) Reindex();
        else _index = null;
    }

    /// <summary>Adds a key in front of the others (a field compose prints first); the key must be new.</summary>
    public void InsertFirst(string key, Node value)
    {
        _entries.Insert(0, (key, value, Mark));
        if (_entries.Count > IndexThreshold) Reindex();
        else _index = null;
    }

    /// <summary>Where a key was written, for "unknown key" errors that point at the key, not its value.</summary>
    public Mark KeyMark(string key) => IndexOf(key) is var i and >= 0 ? _entries[i].KeyMark : Mark;

    public void SetKeyMark(string key, Mark mark)
    {
        var i = IndexOf(key);
        if (i >= 0) _entries[i] = (_entries[i].Key, _entries[i].Value, mark);
    }

    public override Node Clone()
    {
        var copy = new MappingNode(Mark) { Tag = Tag, IsMap = IsMap };
        foreach (var (k, v, m) in _entries) copy._entries.Add((k, v.Clone(), m));
        if (copy._entries.Count > IndexThreshold) copy.Reindex();
        return copy;
    }
}
