using System.Text.Json;

namespace Reconciler.Docker.Building;

/// <summary>
/// Reads the JSON lines <c>POST /build</c> streams: builder output (<c>stream</c>), base-image pulls
/// (<c>status</c>), the built image's id (<c>aux.ID</c>) and the error that ends a failed build.
/// Output lines go to the progress sink as they come; per-byte pull ticks do not.
/// </summary>
internal sealed class BuildOutput(IProgress<string>? progress)
{
    /// <summary>The builder's error, as it said it; null while none came.</summary>
    public string? Error { get; private set; }

    /// <summary>The id of the image built (sha256:…), once the builder said it.</summary>
    public string? ImageId { get; private set; }

    /// <summary>The last lines of output, for the error of a failed build (a failing RUN's output precedes its error).</summary>
    public IReadOnlyCollection<string> Tail => _tail;

    private readonly Queue<string> _tail = new();
    private const int TailLines = 10;

    public void Read(string line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(line);
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            Report(line.Trim());
            return;
        }
        if (root.ValueKind != JsonValueKind.Object) return;
        var error = Text(root, "error")
            ?? (root.TryGetProperty("errorDetail", out var detail) && detail.ValueKind == JsonValueKind.Object ? Text(detail, "message") : null);
        if (error is not null)
        {
            Error ??= string.IsNullOrWhiteSpace(error) ? "the builder reported an error without a message" : error.Trim();
            return;
        }
        if (root.TryGetProperty("aux", out var aux) && aux.ValueKind == JsonValueKind.Object && Text(aux, "ID") is { } id)
        {
            ImageId = id;
            return;
        }
        if (Text(root, "stream") is { } stream)
        {
            foreach (var l in stream.Split('\n')) if (l.Trim().Length > 0) Report(l.TrimEnd());
            return;
        }
        // A base image pulled for FROM: step summaries only, as a pull reports them.
        if (Text(root, "status") is { Length: > 0 } status && !(root.TryGetProperty("progressDetail", out var p) && p.ValueKind == JsonValueKind.Object && p.EnumerateObject().Any()))
            Report(Text(root, "id") is { Length: > 0 } layer ? $"{layer}: {status}" : status);
    }

    private void Report(string line)
    {
        _tail.Enqueue(line);
        while (_tail.Count > TailLines) _tail.Dequeue();
        progress?.Report(line);
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
