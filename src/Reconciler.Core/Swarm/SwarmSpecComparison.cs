using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reconciler.Core.Swarm;

/// <summary>
/// Compares two service specs in the Engine API's JSON: the one Reconciler would send and the one
/// the engine holds (or the one <c>docker stack deploy</c> made). What the engine fills in is not a
/// difference: ids of secrets and configs, the image's pinned digest and platforms, the task
/// runtime and force-update counter, and defaults it writes for empty fields (vip, ingress, tcp,
/// pause, stop-first, one replica, isolation "default", a 10 s stop grace period,
/// restart on any condition after 5 s). Empty and zero values equal absent ones,
/// as Go's omitempty makes them. Network targets must be names on both sides (the caller maps ids).
/// </summary>
public static class SwarmSpecComparison
{
    /// <summary>Field paths that differ, each "path: before → after"; empty when the specs are the same.</summary>
    /// <param name="compareDigests">
    /// True when both sides pin the image's digest (Reconciler resolved it): a new digest under the same
    /// tag is then a change. False ignores digests (the engine pins one the sender may not have).
    /// </param>
    public static ImmutableArray<string> Differences(string beforeJson, string afterJson, bool compareDigests = false)
    {
        var ours = Flatten(Normalize(beforeJson, compareDigests));
        var theirs = Flatten(Normalize(afterJson, compareDigests));
        var result = new List<string>();
        foreach (var path in ours.Keys.Union(theirs.Keys).Order(StringComparer.Ordinal))
        {
            var a = ours.GetValueOrDefault(path);
            var b = theirs.GetValueOrDefault(path);
            if (a != b) result.Add($"{path}: {a ?? Absent} → {b ?? Absent}");
        }
        return [.. result];
    }

    private const string Absent = "(absent)";

    /// <summary>One of <see cref="Differences"/> back into its path and values (null: absent on that side).</summary>
    public static (string Path, string? Before, string? After) Split(string difference)
    {
        // Paths are JSON keys joined by dots and never hold ": "; the values are JSON text, in which
        // an arrow would be escaped, so the first " → " after the path is the separator.
        var colon = difference.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0) return (difference, null, null);
        var rest = difference[(colon + 2)..];
        var arrow = rest.IndexOf(" → ", StringComparison.Ordinal);
        if (arrow < 0) return (difference[..colon], rest, null);
        static string? Value(string v) => v == Absent ? null : v;
        return (difference[..colon], Value(rest[..arrow]), Value(rest[(arrow + 3)..]));
    }

    /// <summary>The spec as <see cref="Differences"/> sees it: engine-filled fields and empty values gone.</summary>
    public static JsonObject Normalize(string json, bool keepDigest = false)
    {
        var spec = JsonNode.Parse(json)?.AsObject() ?? [];
        if (spec["TaskTemplate"] is JsonObject task)
        {
            task.Remove("ForceUpdate");
            task.Remove("Runtime");
            // Platforms come with a resolved digest: compared when digests are, like the digest itself.
            if (!keepDigest && task["Placement"] is JsonObject placement) placement.Remove("Platforms");
            // Swarm's restart defaults: any condition, after 5 s, no limit; absent means the same.
            if (task["RestartPolicy"] is JsonObject restart)
            {
                RemoveDefault(restart, "Condition", "any");
                if (restart["Delay"] is JsonValue d && d.TryGetValue<long>(out var delay) && delay == 5_000_000_000) restart.Remove("Delay");
            }
            if (task["ContainerSpec"] is JsonObject container)
            {
                if (!keepDigest && container["Image"]?.GetValue<string>() is { } image && image.IndexOf("@sha256:", StringComparison.Ordinal) is var at and > 0)
                    container["Image"] = image[..at];
                RemoveDefault(container, "Isolation", "default");
                if (container["StopGracePeriod"] is JsonValue g && g.TryGetValue<long>(out var grace) && grace == 10_000_000_000) container.Remove("StopGracePeriod");
                foreach (var (list, id, name) in new[] { ("Secrets", "SecretID", "SecretName"), ("Configs", "ConfigID", "ConfigName") })
                {
                    if (container[list] is not JsonArray refs) continue;
                    foreach (var r in refs.OfType<JsonObject>()) r.Remove(id);
                    // The CLI de-duplicates references through a Go map, so two mounts of one object
                    // come in a random order: the order of references is not part of the spec.
                    var sorted = refs.OfType<JsonObject>()
                        .OrderBy(r => r[name]?.ToJsonString(), StringComparer.Ordinal)
                        .ThenBy(r => r["File"]?["Name"]?.ToJsonString(), StringComparer.Ordinal)
                        .Select(r => r.DeepClone()).ToList();
                    refs.Clear();
                    foreach (var r in sorted) refs.Add(r);
                }
            }
        }
        if (spec["Mode"] is JsonObject mode && mode["Replicated"] is JsonObject replicated && replicated["Replicas"] is null)
            replicated["Replicas"] = JsonNode.Parse("1");
        foreach (var key in new[] { "UpdateConfig", "RollbackConfig" })
        {
            if (spec[key] is not JsonObject u) continue;
            RemoveDefault(u, "FailureAction", "pause");
            RemoveDefault(u, "Order", "stop-first");
            if (u["Monitor"] is JsonValue m && m.TryGetValue<long>(out var ns) && ns == 5_000_000_000) u.Remove("Monitor");
            // One at a time is the default; 0 (all at once) is a choice and must survive the pruning.
            if (u["Parallelism"] is JsonValue p && p.TryGetValue<long>(out var n) && n == 1) u.Remove("Parallelism");
        }
        if (spec["EndpointSpec"] is JsonObject endpoint)
        {
            RemoveDefault(endpoint, "Mode", "vip");
            foreach (var p in (endpoint["Ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                RemoveDefault(p, "PublishMode", "ingress");
                RemoveDefault(p, "Protocol", "tcp");
            }
        }
        Prune(spec, "");
        return spec;
    }

    private static void RemoveDefault(JsonObject o, string key, string value)
    {
        if (o[key] is JsonValue v && v.TryGetValue<string>(out var s) && (s.Length == 0 || s == value)) o.Remove(key);
    }

    /// <summary>Removes null, false, 0, "", [] and {} (deepest first); a replica count of 0 is kept, it means "none".</summary>
    private static bool Prune(JsonNode? node, string path)
    {
        switch (node)
        {
            case null: return true;
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                    if (Prune(o[key], $"{path}.{key}")) o.Remove(key);
                return o.Count == 0;
            case JsonArray a:
                // Items keep their places: an empty item still counts in the list.
                foreach (var item in a) Prune(item, path + "[]");
                return a.Count == 0;
            case JsonValue v:
                if (path is ".Mode.Replicated.Replicas" or ".UpdateConfig.Parallelism" or ".RollbackConfig.Parallelism") return false;
                return v.GetValueKind() switch
                {
                    JsonValueKind.Null or JsonValueKind.False => true,
                    JsonValueKind.String => v.GetValue<string>().Length == 0,
                    JsonValueKind.Number => v.GetValue<double>() == 0,
                    _ => false,
                };
            default: return false;
        }
    }

    private static SortedDictionary<string, string> Flatten(JsonObject spec)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonNode? node, string path)
        {
            switch (node)
            {
                case JsonObject o:
                    if (o.Count == 0) result[path] = "{}";
                    foreach (var (k, v) in o) Walk(v, path.Length == 0 ? k : $"{path}.{k}");
                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++) Walk(a[i], $"{path}[{i}]");
                    break;
                case null: break;
                default:
                    result[path] = NumberText(node);
                    break;
            }
        }
        Walk(spec, "");
        return result;
    }

    /// <summary>Numbers compared by value (0.3 written by Go and by .NET as float must read the same).</summary>
    private static string NumberText(JsonNode node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? Math.Round(v.GetValue<double>(), 6).ToString("R", System.Globalization.CultureInfo.InvariantCulture)
            : node.ToJsonString();
}
