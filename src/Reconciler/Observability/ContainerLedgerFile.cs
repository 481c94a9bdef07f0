using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reconciler.Observability;

/// <summary>
/// Where a project's <see cref="ContainerLedger"/> survives daemon restarts:
/// <c>{state_dir}/metrics/containers-{project}.json</c>, replaced atomically. A missing or unreadable
/// file starts an empty ledger (the containers' restart counts are then counted once more, as on a first run).
/// </summary>
internal sealed class ContainerLedgerFile(string path)
{
    public string Path => path;

    public static ContainerLedgerFile For(string stateDir, string project) =>
        new(System.IO.Path.Combine(stateDir, "metrics", $"containers-{project}.json"));

    public Contents? Load()
    {
        try
        {
            if (!File.Exists(path)) return null;
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), LedgerJson.Default.Contents);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes a temp file and renames it over the old one; throws on I/O errors for the caller to log.</summary>
    // The state_dir's files are the daemon's own: 0600, never wider whatever the umask.
    public void Save(Contents contents) =>
        State.PrivateFiles.ReplaceAtomically(path, JsonSerializer.SerializeToUtf8Bytes(contents, LedgerJson.Default.Contents));

    public sealed record Contents
    {
        public int Version { get; init; } = 1;
        public IReadOnlyList<ContainerMark> Containers { get; init; } = [];
        public IReadOnlyDictionary<string, ServiceTotals> Services { get; init; } = new Dictionary<string, ServiceTotals>();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(ContainerLedgerFile.Contents))]
internal sealed partial class LedgerJson : JsonSerializerContext;
