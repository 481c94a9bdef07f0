using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Reconciler.Core.Compose.Yaml;

/// <summary>
/// Reads YAML text into <see cref="Node"/> trees, one per document, resolving anchors, aliases and
/// merge keys (<c>&lt;&lt;: *x</c>) the way go-yaml does for compose: explicit keys win over merged ones,
/// earlier maps in a merge list win over later ones, a duplicate key is an error.
/// </summary>
internal sealed class YamlTreeReader
{
    // A YAML "billion laughs" file expands aliases exponentially; go-yaml refuses such documents, so do we.
    private const int MaxAliasExpansion = 1_000_000;

    private readonly string _file;
    private readonly Dictionary<string, Node> _anchors = new(StringComparer.Ordinal);
    private int _expanded;

    private YamlTreeReader(string file) => _file = file;

    public static List<Node> Read(string text, string file)
    {
        var reader = new YamlTreeReader(file);
        var parser = new Parser(new StringReader(text));
        var documents = new List<Node>();
        try
        {
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out _))
            {
                reader._anchors.Clear();
                documents.Add(reader.ReadNode(parser));
                parser.Consume<DocumentEnd>();
            }
            parser.Consume<StreamEnd>();
        }
        catch (YamlException e)
        {
            var inner = e.InnerException is YamlException ie ? ie : e;
            var message = StripPosition(inner.Message);
            throw new ComposeException(Diagnostic.Error($"YAML syntax error: {message}",
                new Mark(file, (int)inner.Start.Line, (int)inner.Start.Column)));
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner reports some malformed input (an unclosed "[") this way.
            var at = parser.Current?.Start;
            throw new ComposeException(Diagnostic.Error($"YAML syntax error: {e.Message} (an unclosed [ or {{?)",
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

    private Node ReadNode(IParser parser)
    {
        var ev = parser.Current ?? throw new ComposeException(Diagnostic.Error("unexpected end of YAML", new Mark(_file, 0, 0)));
        switch (ev)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                    throw new ComposeException(Diagnostic.Error($"unknown anchor '{alias.Value.Value}' referenced", MarkOf(alias)));
                _expanded += Size(target);
                if (_expanded > MaxAliasExpansion)
                    throw new ComposeException(Diagnostic.Error("document contains excessive aliasing", MarkOf(alias)));
                return target.Clone();

            case Scalar scalar:
                parser.MoveNext();
                // Only an untagged plain scalar is typed by the core schema; !!str or quotes make a string.
                var plain = scalar.Style == ScalarStyle.Plain && (scalar.Tag.IsEmpty || IsComposeTag(scalar.Tag));
                var node = new ScalarNode(scalar.Value, MarkOf(scalar), plain) { Tag = TagOf(scalar.Tag) };
                Anchor(scalar.Anchor, node);
                return node;

            case SequenceStart seqStart:
                parser.MoveNext();
                var seq = new SequenceNode(MarkOf(seqStart)) { Tag = TagOf(seqStart.Tag) };
                while (parser.Current is not SequenceEnd) seq.Items.Add(ReadNode(parser));
                parser.MoveNext();
                Anchor(seqStart.Anchor, seq);
                return seq;

            case MappingStart mapStart:
                parser.MoveNext();
                var map = ReadMapping(parser, MarkOf(mapStart));
                map.Tag = TagOf(mapStart.Tag);
                Anchor(mapStart.Anchor, map);
                return map;

            default:
                throw new ComposeException(Diagnostic.Error($"unexpected YAML event {ev.GetType().Name}", MarkOf(ev)));
        }
    }

    private MappingNode ReadMapping(IParser parser, Mark mark)
    {
        var map = new MappingNode(mark);
        var merged = new List<MappingNode>();
        while (parser.Current is not MappingEnd)
        {
            var keyEvent = parser.Current!;
            var keyNode = ReadNode(parser);
            var valueNode = ReadNode(parser);
            if (keyNode is not ScalarNode key)
                throw new ComposeException(Diagnostic.Error("mapping keys must be strings", MarkOf(keyEvent)));
            if (key.Plain && key.Value == "<<")
            {
                switch (valueNode)
                {
                    case MappingNode m: merged.Add(m); break;
                    case SequenceNode s when s.Items.All(i => i is MappingNode):
                        merged.AddRange(s.Items.Cast<MappingNode>());
                        break;
                    default:
                        throw new ComposeException(Diagnostic.Error("map merge requires map or sequence of maps as the value", valueNode.Mark));
                }
                continue;
            }
            var name = key.IsNull && key.Value != "" ? key.Value : key.Value;
            if (map.ContainsKey(name))
                throw new ComposeException(Diagnostic.Error(
                    $"mapping key \"{name}\" already defined at line {map.KeyMark(name).Line}", key.Mark));
            map[name] = valueNode;
            map.SetKeyMark(name, key.Mark);
        }
        parser.MoveNext();
        // Merged keys never override explicit ones; among merged maps the first one listed wins.
        foreach (var source in merged)
            foreach (var (k, v) in source.Entries)
                if (!map.ContainsKey(k))
                {
                    map[k] = v.Clone();
                    map.SetKeyMark(k, source.KeyMark(k));
                }
        return map;
    }

    // compose's own tags: !reset drops an inherited value, !override replaces it instead of merging.
    private static bool IsComposeTag(TagName tag) => !tag.IsEmpty && !tag.IsNonSpecific && tag.Value is "!reset" or "!override";

    private static string? TagOf(TagName tag) => IsComposeTag(tag) ? tag.Value : null;

    private void Anchor(AnchorName anchor, Node node)
    {
        if (!anchor.IsEmpty) _anchors[anchor.Value] = node;
    }

    private static int Size(Node node) => node switch
    {
        MappingNode m => 1 + m.Entries.Sum(e => Size(e.Value)),
        SequenceNode s => 1 + s.Items.Sum(Size),
        _ => 1,
    };
}
