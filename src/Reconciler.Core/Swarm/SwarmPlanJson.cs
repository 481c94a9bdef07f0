using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reconciler.Core.Swarm;

/// <summary>
/// The JSON form of a <see cref="SwarmPlan"/> (<c>reconciler plan --stack NAME --json</c> for an
/// <c>engine: swarm</c> stack), shaped like a host plan's: <c>project</c>, <c>actions</c> with a 1-based
/// <c>id</c>, the <c>action</c> as a kebab-case tag, <c>service</c> where one is concerned, <c>reason</c>,
/// and an update's <c>changes</c> as <c>{path, before, after}</c> (a string value as its text, others as the engine's JSON); then <c>problems</c>. Adds
/// <c>"engine": "swarm"</c>, and <c>target</c> for what is not a service (a network, secret or config name).
/// </summary>
public static class SwarmPlanJson
{
    // Relaxed: values hold quotes and non-ASCII text, which read better as themselves than as \u escapes.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(SwarmPlan plan)
    {
        var actions = new JsonArray();
        var id = 0;
        foreach (var a in plan.Actions) actions.Add((JsonNode)Action(a, ++id));
        var problems = new JsonArray();
        // Every Swarm problem blocks the plan (not a manager, an external network missing or of the wrong scope).
        foreach (var p in plan.Problems) problems.Add((JsonNode)new JsonObject { ["severity"] = "error", ["message"] = p });
        var root = new JsonObject
        {
            ["project"] = plan.Stack,
            ["engine"] = "swarm",
            ["actions"] = actions,
            ["problems"] = problems,
        };
        return root.ToJsonString(Indented);
    }

    private static JsonObject Action(SwarmAction a, int id)
    {
        var o = new JsonObject { ["id"] = id };
        switch (a)
        {
            case CreateSwarmNetwork c:
                o["action"] = "create-network";
                o["target"] = c.Network.Name;
                break;
            case CreateSwarmObject c:
                o["action"] = $"create-{Kind(c.Object.Kind)}";
                o["target"] = c.VersionedName;
                break;
            case CreateSwarmService c:
                o["service"] = c.Spec.Name;
                o["action"] = "create-service";
                break;
            case UpdateSwarmService u:
                o["service"] = u.Spec.Name;
                o["action"] = "update-service";
                break;
            case RemoveSwarmService r:
                o["service"] = r.Name;
                o["action"] = "remove-service";
                break;
            case RemoveSwarmObject r:
                o["action"] = $"remove-{Kind(r.Kind)}";
                o["target"] = r.Name;
                break;
            default:
                throw new InvalidOperationException($"no JSON form for {a.GetType().Name}");
        }
        o["reason"] = a.Cause;
        if (a is UpdateSwarmService update)
        {
            var changes = new JsonArray();
            foreach (var change in update.Changes)
            {
                var (path, before, after) = SwarmSpecComparison.Split(change);
                changes.Add((JsonNode)new JsonObject { ["path"] = path, ["before"] = Plain(before), ["after"] = Plain(after) });
            }
            o["changes"] = changes;
        }
        return o;
    }

    /// <summary>A JSON string value as its text, as a host plan shows values; numbers, booleans, lists and maps stay JSON.</summary>
    private static string? Plain(string? value) =>
        value is ['"', .., '"'] && JsonNode.Parse(value) is JsonValue v && v.TryGetValue<string>(out var text) ? text : value;

    private static string Kind(SwarmObjectKind kind) => kind == SwarmObjectKind.Secret ? "secret" : "config";
}
