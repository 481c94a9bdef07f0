using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Reconciler.Core.Swarm;

namespace Reconciler.Observability;

/// <summary>
/// Where a Swarm stack's <see cref="SwarmRestartTally"/> survives daemon restarts:
/// <c>{state_dir}/metrics/swarm-tasks-{project}.json</c>, replaced atomically, as the container
/// ledger is. Without it a restarted daemon would count again every restarted task the engine
/// still lists; a missing or unreadable file starts from an empty tally (which does just that, once).
/// </summary>
internal sealed class SwarmTallyFile(string path)
{
    public string Path => path;

    public static SwarmTallyFile For(string stateDir, string project) =>
        new(System.IO.Path.Combine(stateDir, "metrics", $"swarm-tasks-{project}.json"));

    public SwarmRestartTally? Load()
    {
        try
        {
            if (!File.Exists(path)) return null;
            var contents = JsonSerializer.Deserialize(File.ReadAllBytes(path), SwarmTallyJson.Default.Contents);
            if (contents is null) return null;
            return new SwarmRestartTally
            {
                Counted = ImmutableSortedSet.CreateRange(StringComparer.Ordinal, contents.Counted),
                Totals = contents.Totals.ToImmutableSortedDictionary(StringComparer.Ordinal),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes a temp file and renames it over the old one; throws on I/O errors for the caller to log.</summary>
    public void Save(SwarmRestartTally tally) =>
        State.PrivateFiles.ReplaceAtomically(path,
            JsonSerializer.SerializeToUtf8Bytes(new Contents { Counted = [.. tally.Counted], Totals = tally.Totals }, SwarmTallyJson.Default.Contents));

    public sealed record Contents
    {
        public int Version { get; init; } = 1;
        public IReadOnlyList<string> Counted { get; init; } = [];
        public IReadOnlyDictionary<string, long> Totals { get; init; } = new Dictionary<string, long>();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(SwarmTallyFile.Contents))]
internal sealed partial class SwarmTallyJson : JsonSerializerContext;
