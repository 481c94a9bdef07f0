using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reconciler.Integration.Tests.Fidelity;

/// <summary>Field-by-field differences between two projections: objects are walked, anything else is compared whole.</summary>
internal static class JsonDiff
{
    private static readonly JsonSerializerOptions Compact = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public sealed record Difference(string Path, string Expected, string Actual)
    {
        public override string ToString() => $"{Path}\n      compose:    {Expected}\n      reconciler: {Actual}";
    }

    public static List<Difference> Compare(JsonNode? expected, JsonNode? actual, string path = "")
    {
        var result = new List<Difference>();
        Walk(expected, actual, path, result);
        return result;
    }

    private static void Walk(JsonNode? expected, JsonNode? actual, string path, List<Difference> result)
    {
        if (expected is JsonObject e && actual is JsonObject a)
        {
            foreach (var key in e.Select(kv => kv.Key).Union(a.Select(kv => kv.Key)).Order(StringComparer.Ordinal))
            {
                Walk(e[key], a[key], path.Length == 0 ? key : $"{path}.{key}", result);
            }
            return;
        }
        var x = Text(expected);
        var y = Text(actual);
        if (x != y)
        {
            result.Add(new Difference(path, x, y));
        }
    }

    /// <summary>Null and absent are the same; values compare by their JSON text, object keys sorted.</summary>
    private static string Text(JsonNode? node) => node is null ? "null" : Sorted(node)!.ToJsonString(Compact);

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sorted(kv.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        null => null,
        _ => node.DeepClone(),
    };
}
