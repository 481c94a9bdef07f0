using System.Globalization;
using Reconciler.Core.Compose.Yaml;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Reconciler.Core.Compose.Output;

/// <summary>
/// Writes a canonical tree as compose-go 2.0's <c>Project.MarshalYAML</c> does: go-yaml v3 with an
/// indent of 2 (sequences indented under their key, no line width), structs in field order with
/// <c>omitempty</c>, maps in go-yaml's natural key order, then compose's <c>$</c> doubling. Where
/// the YAML differs from the JSON it is compose-go's types that differ: extensions of a service are
/// printed (<c>json:"-"</c> but <c>yaml:",inline"</c>), a null command is left out (ShellCommand's
/// IsZero), empty value structs (<c>deploy.resources</c>, <c>placement</c>, a network's <c>ipam</c>)
/// are left out, a soft/hard ulimit always prints both, and floats use Go's <c>%g</c>.
/// </summary>
internal static class GoYaml
{
    /// <summary>compose-go's Project struct: field order, then its extensions.</summary>
    private static readonly string[] ProjectFields = ["name", "services", "networks", "volumes", "secrets", "configs"];

    /// <summary>Fields of compose-go that are structs held by value: go-yaml's omitempty drops them when all their fields are zero.</summary>
    private static readonly HashSet<string> ValueStructs = new(StringComparer.Ordinal) { "resources", "placement", "ipam", "exec" };

    public static string Write(Node root)
    {
        var text = new StringWriter { NewLine = "\n" };
        var emitter = new Emitter(text, new EmitterSettings(
            bestIndent: 2, bestWidth: int.MaxValue, isCanonical: false, maxSimpleKeyLength: 128, indentSequences: true, newLine: "\n"));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        Write(emitter, root, parentKey: null, depth: 0, free: false);
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        // compose doubles every $ of the output after it is written (cmd/compose/config.go escapeDollarSign).
        return text.ToString().Replace("$", "$$", StringComparison.Ordinal);
    }

    private static void Write(IEmitter e, Node node, string? parentKey, int depth, bool free)
    {
        switch (node)
        {
            case MappingNode m:
                WriteMapping(e, m, parentKey, depth, free);
                break;
            case SequenceNode s:
                e.Emit(new SequenceStart(null, null, true, SequenceStyle.Block));
                foreach (var item in s.Items) Write(e, item, parentKey: null, depth + 1, free);
                e.Emit(new SequenceEnd());
                break;
            case ScalarNode sc:
                Scalar(e, sc);
                break;
        }
    }

    private static void WriteMapping(IEmitter e, MappingNode m, string? parentKey, int depth, bool free)
    {
        var map = free || m.IsMap;
        IEnumerable<KeyValuePair<string, Node>> entries;
        if (depth == 0)
        {
            var fields = ProjectFields.Where(m.ContainsKey).Select(k => new KeyValuePair<string, Node>(k, m[k]!));
            entries = fields.Concat(Natural(m.Entries.Where(kv => IsExtension(kv.Key))));
        }
        else if (map) entries = Natural(m.Entries);
        // A struct: its fields in order, then its inlined extensions in natural order.
        else entries = m.Entries.Where(kv => !IsExtension(kv.Key)).Concat(Natural(m.Entries.Where(kv => IsExtension(kv.Key))));

        e.Emit(new MappingStart(null, null, true, MappingStyle.Block));
        foreach (var (k, v) in entries)
        {
            if (!map && depth > 0 && OmitEmpty(k, v)) continue;
            Scalar(e, new ScalarNode(k, ScalarKind.String, v.Mark));
            var inExtension = free || IsExtension(k);
            if (parentKey == "ulimits" && !inExtension) Ulimit(e, v);
            else Write(e, v, k, depth + 1, inExtension);
        }
        e.Emit(new MappingEnd());
    }

    private static bool IsExtension(string key) => key.StartsWith("x-", StringComparison.Ordinal);

    /// <summary>go-yaml's omitempty on a struct field: nil pointers and empty value structs are left out.</summary>
    private static bool OmitEmpty(string key, Node value) => value switch
    {
        ScalarNode { IsNull: true } => true,
        // A struct whose fields are all unset (JSON prints develop.watch[].exec as {"command": null}).
        MappingNode m => ValueStructs.Contains(key) && m.Entries.All(e => e.Value is ScalarNode { IsNull: true }),
        _ => false,
    };

    /// <summary>compose-go's UlimitsConfig.MarshalYAML: a single value as a number, else both soft and hard, zero or not.</summary>
    private static void Ulimit(IEmitter e, Node value)
    {
        if (value is not MappingNode m)
        {
            Write(e, value, null, 2, free: false);
            return;
        }
        e.Emit(new MappingStart(null, null, true, MappingStyle.Block));
        foreach (var key in new[] { "soft", "hard" })
        {
            Scalar(e, new ScalarNode(key, ScalarKind.String, m.Mark));
            Scalar(e, m[key] as ScalarNode ?? new ScalarNode("0", ScalarKind.Int, m.Mark));
        }
        e.Emit(new MappingEnd());
    }

    private static IEnumerable<KeyValuePair<string, Node>> Natural(IEnumerable<KeyValuePair<string, Node>> entries) =>
        entries.OrderBy(kv => kv.Key, GoYamlKeyOrder.Instance);

    private static void Scalar(IEmitter e, ScalarNode sc)
    {
        switch (sc.Kind)
        {
            case ScalarKind.Null:
                e.Emit(new YamlDotNet.Core.Events.Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                return;
            case ScalarKind.Bool or ScalarKind.Int:
                e.Emit(new YamlDotNet.Core.Events.Scalar(null, null, YamlCoreSchema.AsGoString(sc), ScalarStyle.Plain, true, false));
                return;
            case ScalarKind.Float when double.TryParse(sc.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d):
                e.Emit(new YamlDotNet.Core.Events.Scalar(null, null, GoFloat.FormatG(d), ScalarStyle.Plain, true, false));
                return;
        }
        var text = YamlCoreSchema.AsGoString(sc);
        // go-yaml's stringv: a string YAML would read back as something else is double-quoted, one with a
        // line break is a literal block, anything else plain unless the emitter finds it cannot be.
        ScalarStyle style;
        if (text.Contains('\n', StringComparison.Ordinal)) style = ScalarStyle.Literal;
        else if (CanUsePlain(text)) style = ScalarStyle.Any;
        else style = ScalarStyle.DoubleQuoted;
        e.Emit(new YamlDotNet.Core.Events.Scalar(null, null, text, style, true, true));
    }

    private static bool CanUsePlain(string s) =>
        YamlCoreSchema.Resolve(s) == ScalarKind.String && s != "<<" && !IsBase60Float(s) && !IsOldBool(s);

    private static bool IsOldBool(string s) => s is "y" or "Y" or "yes" or "Yes" or "YES" or "on" or "On" or "ON"
        or "n" or "N" or "no" or "No" or "NO" or "off" or "Off" or "OFF";

    private static readonly System.Text.RegularExpressions.Regex Base60Float =
        new(@"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>YAML 1.1's sexagesimal floats (<c>12:30</c>): go-yaml quotes them for YAML 1.1 readers.</summary>
    private static bool IsBase60Float(string s) =>
        s.Length > 0 && (s[0] is '+' or '-' || char.IsAsciiDigit(s[0])) && s.Contains(':', StringComparison.Ordinal) && Base60Float.IsMatch(s);
}
