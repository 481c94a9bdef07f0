using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reconciler.TestSupport;

/// <summary>
/// Field-by-field differences between two JSON documents, by path (<c>$.services.web.ports[0]</c>):
/// objects are walked key by key, arrays of equal length item by item, anything else is compared
/// by its JSON text with object keys sorted. The golden loader tests and the fidelity tests both
/// compare with it.
/// </summary>
public static class JsonDiff
{
    /// <summary>What <see cref="Difference.Expected"/> or <see cref="Difference.Actual"/> holds where a key is absent.</summary>
    public const string Absent = "(absent)";

    private const int ShortLength = 160;

    private static readonly JsonSerializerOptions Compact = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>One path where the documents differ; each side as compact JSON text, or <see cref="Absent"/>.</summary>
    public sealed record Difference(string Path, string Expected, string Actual)
    {
        /// <summary>One line, each side cut to 160 characters.</summary>
        public override string ToString() => $"{Path}: expected {Short(Expected)}, got {Short(Actual)}";

        /// <summary>Three lines naming both sides, e.g. <c>Describe("compose", "reconciler")</c>; nothing cut.</summary>
        public string Describe(string expectedName, string actualName)
        {
            var width = Math.Max(expectedName.Length, actualName.Length) + 1;
            return $"{Path}\n      {(expectedName + ":").PadRight(width)} {Expected}\n      {(actualName + ":").PadRight(width)} {Actual}";
        }

        private static string Short(string text) => text.Length > ShortLength ? text[..ShortLength] + "…" : text;
    }

    /// <summary>
    /// The differences, in document order (object keys in ordinal order). With
    /// <paramref name="absentIsNull"/> a key that is missing on one side and null on the other is no
    /// difference (for projections that leave empty fields out on one side only).
    /// </summary>
    public static List<Difference> Compare(JsonNode? expected, JsonNode? actual, bool absentIsNull = false)
    {
        var result = new List<Difference>();
        Walk(expected, actual, "$", absentIsNull, result);
        return result;
    }

    private static void Walk(JsonNode? expected, JsonNode? actual, string path, bool absentIsNull, List<Difference> result)
    {
        switch (expected)
        {
            case JsonObject e when actual is JsonObject a:
                foreach (var key in e.Select(kv => kv.Key).Union(a.Select(kv => kv.Key)).Order(StringComparer.Ordinal))
                {
                    var keyPath = $"{path}.{key}";
                    var inExpected = e.TryGetPropertyValue(key, out var x);
                    var inActual = a.TryGetPropertyValue(key, out var y);
                    if (inExpected && inActual || absentIsNull)
                    {
                        Walk(x, y, keyPath, absentIsNull, result);
                    }
                    else
                    {
                        result.Add(new Difference(keyPath, inExpected ? Text(x) : Absent, inActual ? Text(y) : Absent));
                    }
                }
                return;
            case JsonArray e when actual is JsonArray a && e.Count == a.Count:
                for (var i = 0; i < e.Count; i++)
                {
                    Walk(e[i], a[i], $"{path}[{i}]", absentIsNull, result);
                }
                return;
        }
        var expectedText = Text(expected);
        var actualText = Text(actual);
        if (expectedText != actualText)
        {
            result.Add(new Difference(path, expectedText, actualText));
        }
    }

    /// <summary>Compact JSON text with object keys sorted, so key order is never a difference.</summary>
    private static string Text(JsonNode? node) => node is null ? "null" : Sorted(node)!.ToJsonString(Compact);

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sorted(kv.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        null => null,
        _ => node.DeepClone(),
    };
}
