using System.Text;

namespace Reconciler.Core.Compose.Loading;

/// <summary>
/// A key path in the compose tree (<c>services.web.ports[1]</c>) and compose's path patterns
/// (<c>services.*.ports</c>), used to pick the merge, uniqueness and shape rule for a node.
/// A path is a chain of segments sharing their parents, and its text is built only when a
/// diagnostic asks for it: building it for every node cost time and memory in the path's length
/// for each node, which a long key over a long list turned into gigabytes.
/// </summary>
internal readonly struct TreePath
{
    private sealed class Segment(Segment? parent, string? key, int index)
    {
        public Segment? Parent { get; } = parent;
        /// <summary>A key, or null for a list index (which prints as a suffix of the segment before it).</summary>
        public string? Key { get; } = key;
        public int Index { get; } = index;
        /// <summary>Key segments from the root to here.</summary>
        public int Keys { get; } = (parent?.Keys ?? 0) + (key is null ? 0 : 1);
    }

    private readonly Segment? _last;

    private TreePath(Segment? last) => _last = last;

    /// <summary>A path of one key.</summary>
    public TreePath(string key) : this(new Segment(null, key, -1)) { }

    public static TreePath Root => default;

    public TreePath Next(string key) => new(new Segment(_last, key, -1));

    public TreePath Index(int i) => new(new Segment(_last, null, i));

    /// <summary>The path as users read it; keys longer than an excerpt are cut (see <see cref="Excerpt"/>).</summary>
    public string Value
    {
        get
        {
            if (_last is null) return "";
            var parts = new List<Segment>();
            for (var s = _last; s is not null; s = s.Parent) parts.Add(s);
            var sb = new StringBuilder();
            for (var i = parts.Count - 1; i >= 0; i--)
            {
                var s = parts[i];
                if (s.Key is null) sb.Append('[').Append(s.Index).Append(']');
                else
                {
                    if (sb.Length > 0) sb.Append('.');
                    sb.Append(Excerpt.Of(s.Key));
                }
            }
            return sb.ToString();
        }
    }

    /// <summary>Whether the path has more keys after <paramref name="first"/>, its first key.</summary>
    public bool IsUnder(string first)
    {
        if (_last is null || _last.Keys < 2) return false;
        var s = _last;
        while (s.Parent is not null) s = s.Parent;
        return s.Key == first;
    }

    /// <summary>
    /// Key by key; <c>*</c> matches any one key. A segment carrying a list index never equals a
    /// word of the pattern but matches <c>*</c>. Costs the pattern's length, not the path's.
    /// </summary>
    public bool Matches(string pattern)
    {
        if (_last is null || _last.Keys != pattern.AsSpan().Count('.') + 1) return false;
        var words = pattern.Split('.');
        var s = _last;
        for (var w = words.Length - 1; w >= 0; w--)
        {
            var indexed = false;
            while (s!.Key is null)
            {
                indexed = true;
                s = s.Parent;
            }
            if (words[w] != "*" && (indexed || s.Key != words[w])) return false;
            s = s.Parent;
        }
        return true;
    }

    public override string ToString() => Value;
}
