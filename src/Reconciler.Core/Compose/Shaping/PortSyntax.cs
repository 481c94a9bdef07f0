using System.Net;
using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Shaping;

/// <summary>
/// Port short syntax, as compose reads it through Docker's port-spec parser:
/// <c>[[ip:]host:]container[/proto]</c> with ranges on either side; a host range over a single
/// container port stays one entry with a range to pick from; entries come out ordered by
/// container port as text, as compose orders them.
/// </summary>
internal static class PortSyntax
{
    public static IEnumerable<Node> Expand(Node item, TreePath path, ShapeContext ctx)
    {
        if (item is MappingNode) return [item];
        if (item is not ScalarNode { IsNull: false } s || s.Kind is ScalarKind.Bool or ScalarKind.Float)
        {
            ctx.Error("a port must be a number, a string like \"8080:80\" or a mapping", item, path);
            return [];
        }
        var text = YamlCoreSchema.AsGoString(s);
        if (!TryParse(text, out var entries, out var error))
        {
            ctx.Error($"invalid port {Excerpt.Quoted(text)}: {error}", item, path);
            return [];
        }
        // A range makes one entry of five or six nodes per port: up to 65,536 from one short string.
        ctx.Budget.CountNodes(entries.Count * 6L, s.Mark);
        return entries.Select(e =>
        {
            var m = new MappingNode(s.Mark);
            m["mode"] = Str("ingress", s.Mark);
            if (e.HostIp.Length > 0) m["host_ip"] = Str(e.HostIp, s.Mark);
            m["target"] = new ScalarNode(e.Target.ToString(System.Globalization.CultureInfo.InvariantCulture), ScalarKind.Int, s.Mark);
            if (e.Published.Length > 0) m["published"] = Str(e.Published, s.Mark);
            m["protocol"] = Str(e.Protocol, s.Mark);
            return (Node)m;
        }).ToList();
    }

    private static ScalarNode Str(string v, Mark mark) => new(v, ScalarKind.String, mark);

    internal readonly record struct PortEntry(string HostIp, string Published, int Target, string Protocol);

    public static bool TryParse(string spec, out List<PortEntry> entries, out string error)
    {
        entries = [];
        error = "";
        var proto = "tcp";
        var raw = spec;
        var slash = raw.LastIndexOf('/');
        if (slash >= 0)
        {
            proto = raw[(slash + 1)..].ToLowerInvariant();
            raw = raw[..slash];
            if (proto is not ("tcp" or "udp" or "sctp")) { error = $"unknown protocol {Excerpt.Quoted(proto)} (use tcp, udp or sctp)"; return false; }
        }
        var parts = raw.Split(':');
        var n = parts.Length;
        string ip, host, container = parts[n - 1];
        switch (n)
        {
            case 1: ip = ""; host = ""; break;
            case 2: ip = ""; host = parts[0]; break;
            case 3: ip = parts[0]; host = parts[1]; break;
            default: ip = string.Join(':', parts[..(n - 2)]); host = parts[n - 2]; break;
        }
        if (ip.StartsWith('[') && ip.EndsWith(']')) ip = ip[1..^1];
        if (ip.Length > 0 && !IPAddress.TryParse(ip, out _)) { error = $"invalid IP address {Excerpt.Quoted(ip)}"; return false; }
        if (!TryRange(container, out var cStart, out var cEnd)) { error = $"invalid container port {Excerpt.Quoted(container)}"; return false; }
        int hStart = 0, hEnd = 0;
        if (host.Length > 0 && !TryRange(host, out hStart, out hEnd)) { error = $"invalid published port {Excerpt.Quoted(host)}"; return false; }
        if (host.Length > 0 && cEnd - cStart != hEnd - hStart && cEnd != cStart)
        {
            error = $"container range {Excerpt.Of(container)} and published range {Excerpt.Of(host)} differ in size";
            return false;
        }
        var list = new List<(string Key, PortEntry Entry)>();
        for (var i = 0; i <= cEnd - cStart; i++)
        {
            var published = host.Length > 0 ? (hStart + i).ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
            if (cStart == cEnd && hStart != hEnd) published = $"{hStart}-{hEnd}";
            var target = cStart + i;
            list.Add(($"{target}/{proto}", new PortEntry(ip, published, target, proto)));
        }
        entries = list.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Entry).ToList();
        return true;
    }

    private static bool TryRange(string text, out int start, out int end)
    {
        start = end = 0;
        var dash = text.IndexOf('-');
        if (dash < 0)
        {
            if (!TryPort(text, out start)) return false;
            end = start;
            return true;
        }
        return TryPort(text[..dash], out start) && TryPort(text[(dash + 1)..], out end) && end >= start;
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535;

    /// <summary>compose's identity of a port entry: a later duplicate replaces an earlier one.</summary>
    public static string? Key(Node n)
    {
        if (n is not MappingNode m) return null;
        string V(string k) => (m[k] as ScalarNode)?.Value ?? "";
        var hostIp = m.ContainsKey("host_ip") ? V("host_ip") : "0.0.0.0";
        return $"{hostIp}:{V("published")}:{V("target")}/{(m.ContainsKey("protocol") ? V("protocol") : "tcp")}";
    }
}
