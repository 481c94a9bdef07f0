using System.Globalization;
using System.Text;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Output;

/// <summary>
/// Writes a canonical tree byte for byte as Go's <c>encoding/json</c> does: <c>json.MarshalIndent(v,
/// "", "  ")</c> for <c>docker compose config --format json</c>, <c>json.Marshal</c> for the config
/// hash. Go escapes &lt;, &gt; and &amp; (HTML-safe by default), U+2028 and U+2029, control
/// characters as <c>\u00XX</c> except \n, \r, \t, \b and \f, and prints an empty object or array as
/// <c>{}</c> / <c>[]</c> even when indenting.
/// </summary>
internal static class GoJson
{
    /// <summary>compose prints top-level extensions but not those inside services (Go's <c>json:"-"</c>).</summary>
    internal static bool Hidden(string key, int depth) => depth > 0 && key.StartsWith("x-", StringComparison.Ordinal);

    /// <param name="escapeDollar">compose's <c>config</c> doubles every <c>$</c> of its output (keys too), so it loads back to the same values; the hash does not.</param>
    public static string Indented(Node root, bool escapeDollar)
    {
        var sb = new StringBuilder(4096);
        Write(sb, root, depth: 0, indent: 0, pretty: true, free: false);
        return escapeDollar ? sb.Replace("$", "$$").ToString() : sb.ToString();
    }

    /// <param name="depth">0 when <paramref name="root"/> is the project; 1 for a service, whose <c>x-*</c> keys Go leaves out.</param>
    public static string Compact(Node root, int depth)
    {
        var sb = new StringBuilder(1024);
        Write(sb, root, depth, indent: 0, pretty: false, free: false);
        return sb.ToString();
    }

    /// <param name="free">Inside an extension: a Go <c>map[string]any</c>, every mapping sorted, nothing hidden.</param>
    private static void Write(StringBuilder sb, Node node, int depth, int indent, bool pretty, bool free)
    {
        switch (node)
        {
            case MappingNode m:
            {
                var first = true;
                sb.Append('{');
                // The project is a Go map in compose-go's MarshalJSON, as is everything in an extension:
                // encoding/json sorts map keys by their bytes. Elsewhere the tree is in struct order.
                var entries = free || depth == 0 ? m.Entries.OrderBy(e => e.Key, StringComparer.Ordinal) : m.Entries;
                foreach (var (k, v) in entries)
                {
                    if (!free && Hidden(k, depth)) continue;
                    Separator(sb, ref first, indent + 1, pretty);
                    String(sb, k);
                    sb.Append(pretty ? ": " : ":");
                    Write(sb, v, depth + 1, indent + 1, pretty, free || k.StartsWith("x-", StringComparison.Ordinal));
                }
                Close(sb, first, '}', indent, pretty);
                break;
            }
            case SequenceNode s:
            {
                var first = true;
                sb.Append('[');
                foreach (var item in s.Items)
                {
                    Separator(sb, ref first, indent + 1, pretty);
                    Write(sb, item, depth + 1, indent + 1, pretty, free);
                }
                Close(sb, first, ']', indent, pretty);
                break;
            }
            case ScalarNode sc:
                Scalar(sb, sc);
                break;
        }
    }

    private static void Separator(StringBuilder sb, ref bool first, int indent, bool pretty)
    {
        if (!first) sb.Append(',');
        first = false;
        if (pretty) sb.Append('\n').Append(' ', indent * 2);
    }

    private static void Close(StringBuilder sb, bool empty, char close, int indent, bool pretty)
    {
        if (!empty && pretty) sb.Append('\n').Append(' ', indent * 2);
        sb.Append(close);
    }

    private static void Scalar(StringBuilder sb, ScalarNode sc)
    {
        switch (sc.Kind)
        {
            case ScalarKind.Null: sb.Append("null"); return;
            case ScalarKind.Bool: sb.Append(sc.Value is "true" or "True" or "TRUE" ? "true" : "false"); return;
            case ScalarKind.Int when long.TryParse(sc.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l):
                sb.Append(l.ToString(CultureInfo.InvariantCulture)); return;
            case ScalarKind.Float when double.TryParse(sc.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d):
                sb.Append(YamlCoreSchema.FormatFloat(d)); return;
            default:
                String(sb, YamlCoreSchema.AsGoString(sc));
                return;
        }
    }

    private const string Hex = "0123456789abcdef";

    /// <summary>Go's <c>encodeState.string</c> with HTML escaping on (what <c>json.Marshal</c> uses).</summary>
    internal static void String(StringBuilder sb, string s)
    {
        sb.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                // Go 1.22 and later (compose's build is 1.24) also shorten these two.
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029' or < ' ':
                    sb.Append("\\u").Append(Hex[c >> 12]).Append(Hex[(c >> 8) & 0xF]).Append(Hex[(c >> 4) & 0xF]).Append(Hex[c & 0xF]);
                    break;
                default:
                    // A lone surrogate is invalid UTF-8 to Go, which writes U+FFFD instead.
                    if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])))
                        sb.Append("\\ufffd");
                    else if (char.IsHighSurrogate(c)) { sb.Append(c).Append(s[i + 1]); i++; }
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
