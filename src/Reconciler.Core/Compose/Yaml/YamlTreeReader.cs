using Reconciler.Core.Compose.Loading;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Reconciler.Core.Compose.Yaml;

/// <summary>
/// Reads YAML text into <see cref="Node"/> trees, one per document, resolving anchors, aliases and
/// merge keys (<c>&lt;&lt;: *x</c>) the way go-yaml does for compose: explicit keys win over merged ones,
/// earlier maps in a merge list win over later ones, a duplicate key is an error.
/// Within the load's budget: collections nest at most <see cref="LoadLimits.MaxDepth"/> levels,
/// checked as events arrive and before recursing (also where an alias pastes a deep tree), and
/// every node built counts against <see cref="LoadLimits.MaxNodes"/>, aliases as the copies they make
/// (a "billion laughs" file stops there). YamlDotNet's scanner and parser keep their state in
/// explicit stacks, so only this reader could recurse on deep input.
/// </summary>
internal sealed class YamlTreeReader
{
    private readonly string _file;
    private readonly LoadBudget _budget;
    // An anchor's node with its height (levels of collections it holds), for the depth check where it is pasted.
    private readonly Dictionary<string, (Node Node, int Height, long Size)> _anchors = new(StringComparer.Ordinal);

    private YamlTreeReader(string file, LoadBudget budget)
    {
        _file = file;
        _budget = budget;
    }

    public static List<Node> Read(string text, string file, LoadBudget budget)
    {
        var reader = new YamlTreeReader(file, budget);
        var parser = new Parser(new StringReader(text));
        var documents = new List<Node>();
        try
        {
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out _))
            {
                reader._anchors.Clear();
                documents.Add(reader.ReadNode(parser, 0, out _, out _));
                parser.Consume<DocumentEnd>();
            }
            parser.Consume<StreamEnd>();
        }
        catch (YamlException e)
        {
            var inner = e.InnerException is YamlException ie ? ie : e;
            var message = StripPosition(inner.Message);
            throw new ComposeException(Diagnostic.Error($"YAML syntax error: {Excerpt.Of(message)}",
                new Mark(file, (int)inner.Start.Line, (int)inner.Start.Column)));
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner reports some malformed input (an unclosed "[") this way.
            var at = parser.Current?.Start;
            throw new ComposeException(Diagnostic.Error($"YAML syntax error: {Excerpt.Of(e.Message)} (an unclosed [ or {{?)",
                new Mark(file, (int)(at?.Line ?? 0), (int)(at?.Column ?? 0))));
        }
        return documents;
    }

    private static string StripPosition(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: …): "; we print our own position.
        var i = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith('(') && i > 0 ? message[(i + 3)..] : message;
    }

    private Mark MarkOf(ParsingEvent e) => new(_file, (int)e.Start.Line, (int)e.Start.Column);

    /// <param name="level">Collections around the node (0 for a document's root).</param>
    /// <param name="height">Levels of collections the node holds (0 for a scalar).</param>
    /// <param name="size">Nodes in the tree returned.</param>
    private Node ReadNode(IParser parser, int level, out int height, out long size)
    {
        var ev = parser.Current ?? throw new ComposeException(Diagnostic.Error("unexpected end of YAML", new Mark(_file, 0, 0)));
        switch (ev)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                    throw new ComposeException(Diagnostic.Error($"unknown anchor {Excerpt.Quoted(alias.Value.Value)} referenced", MarkOf(alias)));
                if (level + target.Height > _budget.MaxDepth)
                    throw _budget.TooDeep(MarkOf(alias), $"YAML collections (with the alias *{Excerpt.Of(alias.Value.Value)} pasted in)");
                _budget.CountNodes(target.Size, MarkOf(alias));
                height = target.Height;
                size = target.Size;
                return target.Node.Clone();

            case Scalar scalar:
                parser.MoveNext();
                _budget.CountNodes(1, MarkOf(scalar));
                // Only an untagged plain scalar is typed by the core schema; !!str or quotes make a string.
                var plain = scalar.Style == ScalarStyle.Plain && (scalar.Tag.IsEmpty || IsComposeTag(scalar.Tag));
                var node = new ScalarNode(scalar.Value, MarkOf(scalar), plain) { Tag = TagOf(scalar.Tag) };
                height = 0;
                size = 1;
                Anchor(scalar.Anchor, node, height, size);
                return node;

            case SequenceStart seqStart:
            {
                if (level + 1 > _budget.MaxDepth) throw _budget.TooDeep(MarkOf(seqStart));
                parser.MoveNext();
                _budget.CountNodes(1, MarkOf(seqStart));
                var seq = new SequenceNode(MarkOf(seqStart)) { Tag = TagOf(seqStart.Tag) };
                var inner = 0;
                size = 1;
                while (parser.Current is not SequenceEnd)
                {
                    seq.Items.Add(ReadNode(parser, level + 1, out var h, out var n));
                    inner = Math.Max(inner, h);
                    size += n;
                }
                parser.MoveNext();
                height = inner + 1;
                Anchor(seqStart.Anchor, seq, height, size);
                return seq;
            }

            case MappingStart mapStart:
            {
                if (level + 1 > _budget.MaxDepth) throw _budget.TooDeep(MarkOf(mapStart));
                parser.MoveNext();
                _budget.CountNodes(1, MarkOf(mapStart));
                var map = ReadMapping(parser, MarkOf(mapStart), level + 1, out height, out size);
                map.Tag = TagOf(mapStart.Tag);
                Anchor(mapStart.Anchor, map, height, size);
                return map;
            }

            default:
                throw new ComposeException(Diagnostic.Error($"unexpected YAML event {ev.GetType().Name}", MarkOf(ev)));
        }
    }

    private MappingNode ReadMapping(IParser parser, Mark mark, int level, out int height, out long size)
    {
        var map = new MappingNode(mark);
        var merged = new List<MappingNode>();
        var inner = 0;
        size = 1;
        while (parser.Current is not MappingEnd)
        {
            var keyEvent = parser.Current!;
            var keyNode = ReadNode(parser, level, out var kh, out var kn);
            var valueNode = ReadNode(parser, level, out var vh, out var vn);
            if (keyNode is not ScalarNode key)
                throw new ComposeException(Diagnostic.Error("mapping keys must be strings", MarkOf(keyEvent)));
            if (key.Plain && key.Value == "<<")
            {
                switch (valueNode)
                {
                    case MappingNode m: merged.Add(m); break;
                    case SequenceNode s when s.Items.All(i => i is MappingNode):
                        merged.AddRange(s.Items.Cast<MappingNode>());
                        vh--; // the merged maps' entries land one level above the list's
                        break;
                    default:
                        throw new ComposeException(Diagnostic.Error("map merge requires map or sequence of maps as the value", valueNode.Mark));
                }
                // A merged map's entries sit at this map's level, as they sat in theirs.
                inner = Math.Max(inner, vh - 1);
                continue;
            }
            inner = Math.Max(inner, Math.Max(kh, vh));
            size += kn + vn;
            var name = key.Value;
            if (map.ContainsKey(name))
                throw new ComposeException(Diagnostic.Error(
                    $"mapping key {Excerpt.Quoted(name)} already defined at line {map.KeyMark(name).Line}", key.Mark));
            map[name] = valueNode;
            map.SetKeyMark(name, key.Mark);
        }
        parser.MoveNext();
        // Merged keys never override explicit ones; among merged maps the first one listed wins.
        foreach (var source in merged)
            foreach (var (k, v) in source.Entries)
                if (!map.ContainsKey(k))
                {
                    var copied = Size(v);
                    _budget.CountNodes(copied, v.Mark);
                    size += copied;
                    map[k] = v.Clone();
                    map.SetKeyMark(k, source.KeyMark(k));
                }
        height = inner + 1;
        return map;
    }

    // compose's own tags: !reset drops an inherited value, !override replaces it instead of merging.
    private static bool IsComposeTag(TagName tag) => !tag.IsEmpty && !tag.IsNonSpecific && tag.Value is "!reset" or "!override";

    private static string? TagOf(TagName tag) => IsComposeTag(tag) ? tag.Value : null;

    private void Anchor(AnchorName anchor, Node node, int height, long size)
    {
        if (!anchor.IsEmpty) _anchors[anchor.Value] = (node, height, size);
    }

    /// <summary>Nodes in a tree (recursion is bounded: trees here are at most MaxDepth deep).</summary>
    internal static long Size(Node node)
    {
        switch (node)
        {
            case MappingNode m:
                long n = 1;
                foreach (var (_, v) in m.Entries) n += Size(v);
                return n;
            case SequenceNode s:
                long c = 1;
                foreach (var i in s.Items) c += Size(i);
                return c;
            default:
                return 1;
        }
    }
}
