using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Shaping;

/// <summary>
/// Service volume short syntax <c>[source:]target[:options]</c> as compose parses it: a source that
/// looks like a path (<c>.</c>, <c>/</c>, <c>~</c>) is a bind mount created on demand, anything else
/// a named volume; <c>${…}</c> is never split at its colons; options ro/rw/nocopy/propagation/z/Z.
/// </summary>
internal static class VolumeSyntax
{
    private static readonly HashSet<string> Propagations = ["rprivate", "private", "rshared", "shared", "rslave", "slave"];

    public static Node? ToLongForm(Node node, TreePath path, ShapeContext ctx)
    {
        if (node is not ScalarNode { IsNull: false } s) return node;
        var spec = YamlCoreSchema.AsGoString(s);
        var m = new MappingNode(s.Mark);
        ScalarNode Str(string v) => new(v, ScalarKind.String, s.Mark);
        if (spec.Length == 0)
        {
            ctx.Error("invalid empty volume spec", s, path);
            return null;
        }
        var fields = Split(spec, out var error);
        if (error is not null)
        {
            ctx.Error($"invalid volume {Excerpt.Quoted(spec)}: {error}", s, path);
            return null;
        }
        string source = "", target;
        string? options = null;
        switch (fields.Count)
        {
            case 1: target = fields[0]; break;
            case 2: source = fields[0]; target = fields[1]; break;
            case 3: source = fields[0]; target = fields[1]; options = fields[2]; break;
            default:
                ctx.Error($"invalid volume {Excerpt.Quoted(spec)}: too many colons", s, path);
                return null;
        }
        var isBind = IsFilePath(source);
        m["type"] = Str(isBind ? "bind" : "volume");
        if (source.Length > 0) m["source"] = Str(source);
        m["target"] = Str(CleanTarget(target));
        MappingNode? bind = null;
        MappingNode? volume = null;
        foreach (var option in (options ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (option)
            {
                case "ro": m["read_only"] = new ScalarNode("true", ScalarKind.Bool, s.Mark); break;
                case "rw": m.Remove("read_only"); break;
                case "nocopy":
                    volume ??= new MappingNode(s.Mark);
                    volume["nocopy"] = new ScalarNode("true", ScalarKind.Bool, s.Mark);
                    break;
                case "z" or "Z":
                    bind ??= new MappingNode(s.Mark);
                    bind["selinux"] = Str(option);
                    break;
                default:
                    if (Propagations.Contains(option))
                    {
                        bind ??= new MappingNode(s.Mark);
                        bind["propagation"] = Str(option);
                    }
                    break;
            }
        }
        if (isBind)
        {
            bind ??= new MappingNode(s.Mark);
            bind["create_host_path"] = new ScalarNode("true", ScalarKind.Bool, s.Mark);
        }
        else volume ??= new MappingNode(s.Mark);
        if (bind is not null) m["bind"] = bind;
        if (volume is not null) m["volume"] = volume;
        return m;
    }

    private static List<string> Split(string spec, out string? error)
    {
        error = null;
        var fields = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= spec.Length; i++)
        {
            if (i < spec.Length)
            {
                var c = spec[i];
                if (c == '$' && i + 1 < spec.Length && spec[i + 1] == '{') { depth++; continue; }
                if (c == '}' && depth > 0) { depth--; continue; }
                // A Windows drive letter ("C:") is not a separator.
                if (c == ':' && i - start == 1 && char.IsLetter(spec[start]) && fields.Count == 0 && i + 1 < spec.Length && spec[i + 1] is '\\' or '/') continue;
                if (c != ':' || depth > 0) continue;
            }
            if (i == start)
            {
                error = "empty section between colons";
                return fields;
            }
            fields.Add(spec[start..i]);
            start = i + 1;
        }
        return fields;
    }

    public static bool IsFilePath(string source) =>
        source.Length > 0 && (source[0] is '.' or '/' or '~' || (source.Length > 2 && char.IsLetter(source[0]) && source[1] == ':' && source[2] is '\\' or '/'));

    public static string CleanTarget(string target)
    {
        if (target.Length == 0) return target;
        // Go's path.Clean: collapse slashes and dot segments.
        var rooted = target.StartsWith('/');
        var stack = new List<string>();
        foreach (var seg in target.Split('/'))
        {
            if (seg is "" or ".") continue;
            if (seg == "..")
            {
                if (stack.Count > 0 && stack[^1] != "..") stack.RemoveAt(stack.Count - 1);
                else if (!rooted) stack.Add("..");
                continue;
            }
            stack.Add(seg);
        }
        var joined = string.Join('/', stack);
        return rooted ? "/" + joined : joined.Length == 0 ? "." : joined;
    }

    public static string? Key(Node n) => n is MappingNode m && m["target"] is ScalarNode t ? t.Value : null;
}
