using System.Globalization;
using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Shaping;

internal enum ScalarType { String, Text, Int, Float, Bool, Duration, Bytes, IntOrString }

/// <summary>
/// Scalars typed as compose types them after interpolation: a string that holds a number is
/// accepted where a number is wanted (<c>cpus: ${CPUS}</c>), durations print as Go prints them
/// (<c>90s</c> → <c>1m30s</c>), byte sizes as a count of bytes in a string.
/// </summary>
internal sealed class ScalarShape(ScalarType type) : Shape
{
    /// <summary>compose's schema "string": a YAML number or boolean is refused, as compose refuses it.</summary>
    public static readonly ScalarShape String = new(ScalarType.String);
    /// <summary>Any scalar, printed as Go prints it (1.0 → "1").</summary>
    public static readonly ScalarShape Text = new(ScalarType.Text);

    public static readonly ScalarShape Int = new(ScalarType.Int);
    public static readonly ScalarShape Float = new(ScalarType.Float);
    public static readonly ScalarShape Bool = new(ScalarType.Bool);
    public static readonly ScalarShape Duration = new(ScalarType.Duration);
    public static readonly ScalarShape Bytes = new(ScalarType.Bytes);
    /// <summary>Ports' published/expose: numbers printed as strings.</summary>
    public static readonly ScalarShape IntOrString = new(ScalarType.IntOrString);

    public override Node? Apply(Node node, TreePath path, ShapeContext ctx)
    {
        if (node is not ScalarNode s)
        {
            ctx.Error($"must be {Expected}, not {ShapeContext.Describe(node)}", node, path);
            return null;
        }
        if (s.IsNull) return null;
        var text = YamlCoreSchema.AsGoString(s);
        if (type is ScalarType.String or ScalarType.Duration && s.Kind is not ScalarKind.String)
        {
            ctx.Error($"must be a string, not {ShapeContext.Describe(s)} (quote it: {Excerpt.Quoted(text)})", s, path);
            return null;
        }
        switch (type)
        {
            case ScalarType.String:
            case ScalarType.Text:
            case ScalarType.IntOrString:
                return new ScalarNode(text, ScalarKind.String, s.Mark);
            case ScalarType.Int:
                if (YamlCoreSchema.TryInt(text.Trim(), out var l)) return new ScalarNode(l.ToString(CultureInfo.InvariantCulture), ScalarKind.Int, s.Mark);
                break;
            case ScalarType.Float:
                if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                    return new ScalarNode(YamlCoreSchema.FormatFloat(d), ScalarKind.Float, s.Mark);
                break;
            case ScalarType.Bool:
                if (TryBool(text, out var b)) return new ScalarNode(b ? "true" : "false", ScalarKind.Bool, s.Mark);
                break;
            case ScalarType.Duration:
                if (GoDuration.TryParse(text, out var ns)) return new ScalarNode(GoDuration.Format(ns), ScalarKind.String, s.Mark);
                ctx.Error($"invalid duration {Excerpt.Quoted(text)}: use a number with a unit, like 30s, 1m30s or 500ms", s, path);
                return null;
            case ScalarType.Bytes:
                if (ByteSize.TryParse(text, out var bytes)) return new ScalarNode(bytes.ToString(CultureInfo.InvariantCulture), ScalarKind.String, s.Mark);
                ctx.Error($"invalid size {Excerpt.Quoted(text)}: use a number of bytes or a unit, like 512m or 1g", s, path);
                return null;
        }
        ctx.Error($"must be {Expected}, not {Excerpt.Quoted(text)}", s, path);
        return null;
    }

    private string Expected => type switch
    {
        ScalarType.Int => "an integer",
        ScalarType.Float => "a number",
        ScalarType.Bool => "a boolean (true or false)",
        ScalarType.Duration => "a duration",
        ScalarType.Bytes => "a byte size",
        ScalarType.IntOrString => "a number or a string",
        _ => "a string",
    };

    /// <summary>Go's strconv.ParseBool, which compose applies to interpolated booleans.</summary>
    public static bool TryBool(string text, out bool value)
    {
        switch (text)
        {
            case "1" or "t" or "T" or "true" or "TRUE" or "True": value = true; return true;
            case "0" or "f" or "F" or "false" or "FALSE" or "False": value = false; return true;
            default: value = false; return false;
        }
    }
}
