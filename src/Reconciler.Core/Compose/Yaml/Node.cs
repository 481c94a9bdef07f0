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

    public override Node Clone() => new ScalarNode(Value, Mark, Plain) { Kind = Kind, Tag = Tag };
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
    private readonly List<KeyValuePair<string, Node>> _entries = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public MappingNode(Mark mark) : base(mark) { }

    public IReadOnlyList<KeyValuePair<string, Node>> Entries => _entries;
    public int Count => _entries.Count;
    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    /// <summary>Marks of keys, for "unknown key" errors that point at the key, not its value.</summary>
    public Dictionary<string, Mark> KeyMarks { get; } = new(StringComparer.Ordinal);

    public bool ContainsKey(string key) => _index.ContainsKey(key);

    public Node? this[string key]
    {
        get => _index.TryGetValue(key, out var i) ? _entries[i].Value : null;
        set
        {
            if (value is null) { Remove(key); return; }
            if (_index.TryGetValue(key, out var i)) _entries[i] = new(key, value);
            else
            {
                _index[key] = _entries.Count;
                _entries.Add(new(key, value));
            }
        }
    }

    public bool TryGet(string key, out Node node)
    {
        if (_index.TryGetValue(key, out var i)) { node = _entries[i].Value; return true; }
        node = null!;
        return false;
    }

    public void Remove(string key)
    {
        if (!_index.Remove(key, out var i)) return;
        _entries.RemoveAt(i);
        for (var j = i; j < _entries.Count; j++) _index[_entries[j].Key] = j;
        KeyMarks.Remove(key);
    }

    public Mark KeyMark(string key) => KeyMarks.TryGetValue(key, out var m) ? m : Mark;

    public override Node Clone()
    {
        var copy = new MappingNode(Mark) { Tag = Tag };
        foreach (var (k, v) in _entries) copy[k] = v.Clone();
        foreach (var (k, m) in KeyMarks) copy.KeyMarks[k] = m;
        return copy;
    }
}
