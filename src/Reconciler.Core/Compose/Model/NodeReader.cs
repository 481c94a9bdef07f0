using System.Globalization;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Model;

/// <summary>
/// Typed reads from the canonical tree. The tree is already checked and in long form, so reads
/// here only pick values; a missing key reads as the type's empty value.
/// </summary>
internal static class NodeReader
{
    public static MappingNode? Map(this MappingNode m, string key) => m[key] as MappingNode;
    public static SequenceNode? Seq(this MappingNode m, string key) => m[key] as SequenceNode;

    public static string? Str(this MappingNode m, string key) =>
        m[key] is ScalarNode { IsNull: false } s ? YamlCoreSchema.AsGoString(s) : null;

    public static bool Bool(this MappingNode m, string key) => m[key] is ScalarNode { Value: "true" };
    public static bool? OptBool(this MappingNode m, string key) => m[key] is ScalarNode { IsNull: false } s ? s.Value == "true" : null;

    public static long Long(this MappingNode m, string key) =>
        m[key] is ScalarNode { IsNull: false } s && long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : 0;

    public static long? OptLong(this MappingNode m, string key) =>
        m[key] is ScalarNode { IsNull: false } s && long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : null;

    public static double Double(this MappingNode m, string key) =>
        m[key] is ScalarNode { IsNull: false } s && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0;

    public static List<string> Strings(this MappingNode m, string key) =>
        m[key] is SequenceNode seq ? seq.Items.OfType<ScalarNode>().Select(YamlCoreSchema.AsGoString).ToList() : [];

    /// <summary>null: the key is absent (use the image's); empty: explicitly cleared.</summary>
    public static List<string>? OptStrings(this MappingNode m, string key) => m[key] is SequenceNode ? m.Strings(key) : null;

    public static SortedDictionary<string, string?> Pairs(this MappingNode m, string key)
    {
        var result = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        if (m[key] is MappingNode map)
            foreach (var (k, v) in map.Entries)
                result[k] = v is ScalarNode { IsNull: false } s ? YamlCoreSchema.AsGoString(s) : null;
        return result;
    }

    /// <summary>A duration printed by the loader (Go form) back to nanoseconds.</summary>
    public static long? Nanos(this MappingNode m, string key) =>
        m.Str(key) is { } d && Shaping.GoDuration.TryParse(d, out var ns) ? ns : null;
}
