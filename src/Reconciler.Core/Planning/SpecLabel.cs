using System.Buffers.Text;
using System.Collections.Immutable;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reconciler.Core.Planning;

/// <summary>
/// The <c>dev.reconciler.spec</c> label: a service's flattened fields (key path → printable value,
/// <see cref="Desired.DesiredService.Fields"/>) as written on a container when it is created, so a
/// later plan can list field-level changes. Format: <c>v1.</c> + base64url(deflate(JSON object with
/// ordinally sorted keys)). The same fields always encode to the same text.
/// </summary>
public static class SpecLabel
{
    public const string Name = "dev.reconciler.spec";

    private const string Version1 = "v1.";

    /// <summary>Decoded JSON larger than this is refused: a label is not a place for megabytes.</summary>
    private const int MaxDecodedBytes = 1 << 20;

    public static string Encode(IReadOnlyDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                writer.WriteString(key, value);
            }
            writer.WriteEndObject();
        }

        using var packed = new MemoryStream();
        using (var deflate = new DeflateStream(packed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(json.GetBuffer(), 0, (int)json.Length);
        }
        return Version1 + Base64Url.EncodeToString(packed.GetBuffer().AsSpan(0, (int)packed.Length));
    }

    /// <summary>The fields a label holds; null when the label is absent or unreadable (another version, damaged).</summary>
    public static ImmutableSortedDictionary<string, string>? Decode(string? label)
    {
        if (string.IsNullOrEmpty(label) || !label.StartsWith(Version1, StringComparison.Ordinal))
        {
            return null;
        }
        try
        {
            var packed = Base64Url.DecodeFromChars(label.AsSpan(Version1.Length));
            using var deflate = new DeflateStream(new MemoryStream(packed), CompressionMode.Decompress);
            using var json = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = deflate.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (json.Length + read > MaxDecodedBytes)
                {
                    return null;
                }
                json.Write(buffer, 0, read);
            }
            var fields = JsonSerializer.Deserialize(json.GetBuffer().AsSpan(0, (int)json.Length), SpecLabelJson.Default.DictionaryStringString);
            return fields?.Where(f => f.Value is not null).ToImmutableSortedDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or JsonException)
        {
            return null;
        }
    }
}

[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class SpecLabelJson : JsonSerializerContext;
