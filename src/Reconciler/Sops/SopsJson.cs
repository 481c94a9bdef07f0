using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reconciler.Sops;

/// <summary>
/// sops's JSON format (an object with a <c>sops</c> member) and its binary format, which is the
/// same JSON holding the whole file as the string <c>data</c>: the output is that string's bytes.
/// </summary>
internal static class SopsJson
{
    public static bool IsEncrypted(string text) =>
        text.TrimStart().StartsWith('{') && text.Contains("\"sops\"", StringComparison.Ordinal) && text.Contains("\"mac\"", StringComparison.Ordinal);

    public static SopsDecrypted Decrypt(string text, IReadOnlyList<AgeIdentity> identities, string file, bool binary)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(text) as JsonObject ?? throw new SopsException($"{file}: not a JSON object; the file is corrupt");
        }
        catch (JsonException e)
        {
            throw new SopsException($"{file}:{e.LineNumber + 1}: not valid JSON; the file is corrupt");
        }
        if (!root.TryGetPropertyValue("sops", out var metaNode)) throw new SopsException($"{file}: has no sops member; the file is corrupt");
        var meta = SopsMetadata.From(ToPlain(metaNode), file);
        var tree = new SopsTreeDecryption(meta, SopsTreeDecryption.DataKey(meta, identities, file), file);
        root.Remove("sops");
        if (binary)
        {
            if (root.Count != 1 || root["data"] is not JsonValue data || data.GetValueKind() != JsonValueKind.String)
                throw new SopsException($"{file}: a sops binary file holds exactly one string member, data; the file is corrupt");
            var plain = tree.Leaf(["data"], data.GetValue<string>(), data.GetValue<string>());
            tree.VerifyMac();
            return new SopsDecrypted(plain?.Bytes ?? Encoding.UTF8.GetBytes(data.GetValue<string>()), [.. tree.Secrets]);
        }
        Walk(root, [], tree);
        tree.VerifyMac();
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            root.WriteTo(writer);
        buffer.WriteByte((byte)'\n');
        return new SopsDecrypted(buffer.ToArray(), [.. tree.Secrets]);
    }

    private static void Walk(JsonNode node, List<string> path, SopsTreeDecryption tree)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    List<string> child = [.. path, name];
                    if (value is JsonValue v) { if (Leaf(v, child, tree) is { } plain) obj[name] = plain; }
                    else if (value is not null) Walk(value, child, tree);
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue v) { if (Leaf(v, path, tree) is { } plain) array[i] = plain; }
                    else if (array[i] is { } item) Walk(item, path, tree);
                }
                break;
        }
    }

    private static JsonNode? Leaf(JsonValue value, List<string> path, SopsTreeDecryption tree)
    {
        var (encoded, macText) = value.GetValueKind() switch
        {
            JsonValueKind.String => (value.GetValue<string>(), value.GetValue<string>()),
            JsonValueKind.True => ((string?)null, "True"),
            JsonValueKind.False => (null, "False"),
            JsonValueKind.Number => (null, value.TryGetValue<long>(out var n) ? n.ToString(CultureInfo.InvariantCulture) : GoNumber.Float(value.GetValue<double>())),
            _ => (null, null),
        };
        if (macText is null) return null; // null: sops skips it
        var plain = tree.Leaf(path, encoded, macText);
        if (plain is null) return null;
        return plain.Type switch
        {
            "int" when long.TryParse(plain.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) => JsonValue.Create(i),
            "float" when double.TryParse(plain.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            "bool" => JsonValue.Create(plain.Text.Equals("true", StringComparison.OrdinalIgnoreCase)),
            _ => JsonValue.Create(plain.Text),
        };
    }

    private static object? ToPlain(JsonNode? node) => node switch
    {
        JsonObject obj => obj.ToDictionary(kv => kv.Key, kv => ToPlain(kv.Value), StringComparer.Ordinal),
        JsonArray array => array.Select(ToPlain).ToList(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValueKind() == JsonValueKind.True ? "true" : "false",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        _ => null,
    };
}
