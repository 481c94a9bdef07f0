using System.Globalization;
using System.Text;
using System.Text.Json;
using Reconciler.Core.Compose.Yaml;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Reconciler.Core.Compose.Output;

/// <summary>
/// Prints a canonical project tree in the shape of <c>docker compose config</c>: JSON with typed
/// scalars, or YAML. Key order is the tree's (schema order for known keys, sorted for maps).
/// </summary>
internal static class CanonicalWriter
{
    public static string ToJson(Node root)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = true,
            // Nesting is bounded by the loader (limits.max_depth, at most LoadLimits.DepthCeiling).
            MaxDepth = LoadLimits.DepthCeiling + 16,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            WriteJson(w, root, depth: 0);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>compose prints top-level extensions but not those of services; we keep both in the tree.</summary>
    private static bool Hidden(string key, int depth) => depth > 0 && key.StartsWith("x-", StringComparison.Ordinal);

    private static void WriteJson(Utf8JsonWriter w, Node node, int depth)
    {
        switch (node)
        {
            case MappingNode m:
                w.WriteStartObject();
                foreach (var (k, v) in m.Entries)
                {
                    if (Hidden(k, depth)) continue;
                    w.WritePropertyName(k);
                    WriteJson(w, v, k.StartsWith("x-", StringComparison.Ordinal) ? int.MinValue : depth + 1);
                }
                w.WriteEndObject();
                break;
            case SequenceNode s:
                w.WriteStartArray();
                foreach (var i in s.Items) WriteJson(w, i, depth + 1);
                w.WriteEndArray();
                break;
            case ScalarNode sc:
                switch (sc.Kind)
                {
                    case ScalarKind.Null: w.WriteNullValue(); break;
                    case ScalarKind.Bool: w.WriteBooleanValue(sc.Value is "true" or "True" or "TRUE"); break;
                    case ScalarKind.Int when long.TryParse(sc.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l):
                        w.WriteNumberValue(l); break;
                    case ScalarKind.Float when double.TryParse(sc.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d):
                        w.WriteRawValue(YamlCoreSchema.FormatFloat(d)); break;
                    // compose escapes $ in what it prints, so the output loads back to the same values.
                    default: w.WriteStringValue(YamlCoreSchema.AsGoString(sc).Replace("$", "$$", StringComparison.Ordinal)); break;
                }
                break;
        }
    }

    public static string ToYaml(Node root)
    {
        var sb = new StringWriter();
        var emitter = new Emitter(sb);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        WriteYaml(emitter, root, 0);
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        return sb.ToString();
    }

    private static void WriteYaml(IEmitter e, Node node, int depth)
    {
        switch (node)
        {
            case MappingNode m:
                e.Emit(new MappingStart());
                foreach (var (k, v) in m.Entries)
                {
                    if (Hidden(k, depth)) continue;
                    e.Emit(new Scalar(k));
                    WriteYaml(e, v, k.StartsWith("x-", StringComparison.Ordinal) ? int.MinValue : depth + 1);
                }
                e.Emit(new MappingEnd());
                break;
            case SequenceNode s:
                e.Emit(new SequenceStart(null, null, false, SequenceStyle.Block));
                foreach (var i in s.Items) WriteYaml(e, i, depth + 1);
                e.Emit(new SequenceEnd());
                break;
            case ScalarNode sc:
                if (sc.Kind == ScalarKind.Null) { e.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false)); break; }
                var text = sc.Kind == ScalarKind.String ? YamlCoreSchema.AsGoString(sc).Replace("$", "$$", StringComparison.Ordinal) : YamlCoreSchema.AsGoString(sc);
                // A string that YAML would read as something else gets quoted.
                var needsQuotes = sc.Kind == ScalarKind.String && (YamlCoreSchema.Resolve(text) != ScalarKind.String || text.Length == 0);
                e.Emit(new Scalar(null, null, text, needsQuotes ? ScalarStyle.DoubleQuoted : ScalarStyle.Any, !needsQuotes, needsQuotes));
                break;
        }
    }
}
