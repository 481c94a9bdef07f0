using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Shaping;

/// <summary>The smaller short syntaxes of a service, each turned into compose's long form.</summary>
internal static class ServiceSyntax
{
    private static ScalarNode Str(string v, Mark m) => new(v, ScalarKind.String, m);

    /// <summary>command/entrypoint: a string is split into words; <c>[]</c> stays empty (clears the image's).</summary>
    public static Node? Command(Node node, TreePath path, ShapeContext ctx)
    {
        switch (node)
        {
            case ScalarNode { IsNull: true }: return null;
            case ScalarNode s:
                var text = YamlCoreSchema.AsGoString(s);
                if (!ShellWords.TrySplit(text, out var words, out var error))
                {
                    ctx.Error($"cannot split command {Excerpt.Quoted(text)}: {error}", s, path);
                    return null;
                }
                return new SequenceNode(s.Mark, words.Select(w => (Node)Str(w, s.Mark)).ToList());
            case SequenceNode seq:
                return new ListShape(ScalarShape.String).Apply(seq, path, ctx);
            default:
                ctx.Error($"must be a string or a list of strings, not {ShapeContext.Describe(node)}", node, path);
                return null;
        }
    }

    /// <summary>healthcheck.test: a string means <c>["CMD-SHELL", string]</c>.</summary>
    public static Node? HealthTest(Node node, TreePath path, ShapeContext ctx)
    {
        if (node is ScalarNode { IsNull: false } s)
            return new SequenceNode(s.Mark, [Str("CMD-SHELL", s.Mark), Str(YamlCoreSchema.AsGoString(s), s.Mark)]);
        return new ListShape(ScalarShape.String).Apply(node, path, ctx);
    }

    /// <summary>ulimits.NAME: a number (soft = hard) or <c>{soft, hard}</c>.</summary>
    public static Node? Ulimit(Node node, TreePath path, ShapeContext ctx)
    {
        if (node is ScalarNode)
        {
            var single = ScalarShape.Int.Apply(node, path, ctx);
            // 0 is Go's empty value: compose prints such a ulimit as {}.
            return single is ScalarNode { Value: "0" } ? new MappingNode(node.Mark) : single;
        }
        return new ObjectShape { After = (m, p, c) => { if (!m.ContainsKey("soft") || !m.ContainsKey("hard")) c.Error("a ulimit needs both soft and hard (or a single number)", m, p); } }
            .Field("soft", ScalarShape.Int).Field("hard", ScalarShape.Int)
            .Apply(node, path, ctx);
    }

    /// <summary>extra_hosts: <c>["host:ip"]</c>, <c>["host=ip"]</c> or <c>{host: ip | [ips]}</c>, printed as <c>host=ip</c>.</summary>
    public static Node? ExtraHosts(Node node, TreePath path, ShapeContext ctx)
    {
        if (node is ScalarNode { IsNull: true }) return null;
        var seq = node is MappingNode or ScalarNode ? TreeMerger.ToSequence(node) : node as SequenceNode;
        if (seq is null)
        {
            ctx.Error($"must be a list or a mapping, not {ShapeContext.Describe(node)}", node, path);
            return null;
        }
        var result = new SequenceNode(node.Mark);
        for (var i = 0; i < seq.Items.Count; i++)
        {
            if (seq.Items[i] is not ScalarNode { IsNull: false } s)
            {
                ctx.Error("entries must be strings like host:ip", seq.Items[i], path.Index(i));
                continue;
            }
            var text = YamlCoreSchema.AsGoString(s);
            var eq = text.IndexOf('=');
            var colon = text.IndexOf(':');
            var sep = eq >= 0 ? eq : colon;
            if (sep < 0)
            {
                ctx.Error($"invalid extra host {Excerpt.Quoted(text)}: use host:ip or host=ip", s, path.Index(i));
                continue;
            }
            var host = text[..sep];
            var ip = text[(sep + 1)..];
            if (ip.StartsWith('[') && ip.EndsWith(']')) ip = ip[1..^1];
            result.Items.Add(Str($"{host}={ip}", s.Mark));
        }
        // compose keeps extra hosts as a map, so it prints them sorted.
        result.Items.Sort((a, b) => string.CompareOrdinal(((ScalarNode)a).Value, ((ScalarNode)b).Value));
        return result;
    }

    /// <summary>env_file: a path, a list of paths, or <c>{path, required, format}</c> entries.</summary>
    public static Node? EnvFileEntry(Node node, TreePath path, ShapeContext ctx)
    {
        if (node is ScalarNode { IsNull: false } s)
        {
            var m = new MappingNode(s.Mark);
            m["path"] = Str(YamlCoreSchema.AsGoString(s), s.Mark);
            m["required"] = new ScalarNode("true", ScalarKind.Bool, s.Mark);
            return m;
        }
        return new ObjectShape
        {
            After = (m, p, c) =>
            {
                if (!m.ContainsKey("path")) c.Error("an env_file entry needs a path", m, p);
                if (!m.ContainsKey("required")) m["required"] = new ScalarNode("true", ScalarKind.Bool, m.Mark);
            },
        }.Field("path", ScalarShape.String).Field("required", ScalarShape.Bool).Field("format", ScalarShape.String).KeepZero("required")
            .Apply(node, path, ctx);
    }

    /// <summary>devices: <c>"/dev/x[:/dev/y[:rwm]]"</c> or the mapping form.</summary>
    public static Node? Device(Node node, TreePath path, ShapeContext ctx)
    {
        if (node is not ScalarNode { IsNull: false } s) return node;
        var text = YamlCoreSchema.AsGoString(s);
        var parts = text.Split(':');
        var m = new MappingNode(s.Mark);
        switch (parts.Length)
        {
            case 1: m["source"] = Str(parts[0], s.Mark); m["target"] = Str(parts[0], s.Mark); m["permissions"] = Str("rwm", s.Mark); break;
            case 2 when IsPermissions(parts[1]):
                m["source"] = Str(parts[0], s.Mark); m["target"] = Str(parts[0], s.Mark); m["permissions"] = Str(parts[1], s.Mark); break;
            case 2: m["source"] = Str(parts[0], s.Mark); m["target"] = Str(parts[1], s.Mark); m["permissions"] = Str("rwm", s.Mark); break;
            case 3: m["source"] = Str(parts[0], s.Mark); m["target"] = Str(parts[1], s.Mark); m["permissions"] = Str(parts[2], s.Mark); break;
            default:
                ctx.Error($"invalid device {Excerpt.Quoted(text)}: use /dev/host[:/dev/container[:rwm]]", s, path);
                return null;
        }
        return m;
    }

    private static bool IsPermissions(string p) => p.Length is > 0 and <= 3 && p.All(c => c is 'r' or 'w' or 'm');

    /// <summary>compose's rule for a list of services or networks given as names: a mapping of defaults.</summary>
    public static Node? NamesToMapping(Node node, Func<Mark, MappingNode>? makeDefault)
    {
        if (node is SequenceNode seq && seq.Items.All(i => i is ScalarNode { IsNull: false }))
            return TreeMerger.ToMapping(seq, makeDefault);
        return node;
    }

    public static MappingNode DependsOnDefault(Mark mark)
    {
        var m = new MappingNode(mark);
        m["condition"] = Str("service_started", mark);
        m["required"] = new ScalarNode("true", ScalarKind.Bool, mark);
        return m;
    }
}
