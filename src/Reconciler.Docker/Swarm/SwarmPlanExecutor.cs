using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reconciler.Core.Swarm;

namespace Reconciler.Docker.Swarm;

/// <summary>What happened to each action of a <see cref="SwarmPlan"/>; the first failure stops the rest.</summary>
public sealed record SwarmExecution(ImmutableArray<SwarmActionOutcome> Outcomes)
{
    public bool Succeeded => Outcomes.All(o => o.Error is null);
    public IEnumerable<SwarmActionOutcome> Failures => Outcomes.Where(o => o.Error is not null);
}

public sealed record SwarmActionOutcome(SwarmAction Action, string? Error);

/// <summary>
/// Walks a <see cref="SwarmPlan"/>, one engine call per action (an exhaustive switch), filling in
/// only what the planner cannot know: the ids of secrets and configs (existing, or created earlier in
/// the same run). No decisions.
/// </summary>
internal sealed class SwarmPlanExecutor(SwarmApi api, SwarmRegistryAuth auth)
{
    public async Task<SwarmExecution> ExecuteAsync(SwarmPlan plan, ObservedSwarm observed, CancellationToken ct)
    {
        var ids = observed.Objects.ToDictionary(o => (o.Kind, o.Name), o => o.Id);
        var outcomes = ImmutableArray.CreateBuilder<SwarmActionOutcome>();
        foreach (var action in plan.Actions)
        {
            try
            {
                await RunAsync(action, ids, ct).ConfigureAwait(false);
                outcomes.Add(new SwarmActionOutcome(action, null));
            }
            catch (Exception e) when (e is DockerOperationException or DockerEngineUnavailableException or Registry.RegistryCredentialException)
            {
                outcomes.Add(new SwarmActionOutcome(action, e.Message));
                break;
            }
        }
        return new SwarmExecution(outcomes.ToImmutable());
    }

    private async Task RunAsync(SwarmAction action, Dictionary<(SwarmObjectKind, string), string> ids, CancellationToken ct)
    {
        switch (action)
        {
            case CreateSwarmNetwork c:
                await api.PostAsync("networks/create", NetworkBody(c.Network), "create", $"network {c.Network.Name}", ct).ConfigureAwait(false);
                break;
            case CreateSwarmObject c:
                var path = c.Object.Kind == SwarmObjectKind.Secret ? "secrets/create" : "configs/create";
                var created = await api.PostAsync(path, ObjectBody(c), "create", $"{c.Object.Kind.ToString().ToLowerInvariant()} {c.VersionedName}", ct).ConfigureAwait(false);
                ids[(c.Object.Kind, c.VersionedName)] = created?["ID"]?.GetValue<string>() ?? "";
                break;
            case CreateSwarmService c:
                await api.PostAsync("services/create", ServiceBody(c.Spec, ids), "create", $"service {c.Spec.Name}", ct,
                    await auth.HeaderForAsync(c.Spec.TaskTemplate.ContainerSpec.Image, ct).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case UpdateSwarmService u:
                await api.PostAsync($"services/{u.Id}/update?version={u.Version}", ServiceBody(u.Spec, ids), "update", $"service {u.Spec.Name}", ct,
                    await auth.HeaderForAsync(u.Spec.TaskTemplate.ContainerSpec.Image, ct).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case RemoveSwarmService r:
                await api.DeleteAsync($"services/{r.Id}", "remove", $"service {r.Name}", ct).ConfigureAwait(false);
                break;
            case RemoveSwarmObject r:
                await api.DeleteAsync($"{(r.Kind == SwarmObjectKind.Secret ? "secrets" : "configs")}/{r.Id}", "remove", $"{r.Kind.ToString().ToLowerInvariant()} {r.Name}", ct).ConfigureAwait(false);
                break;
            default:
                throw new InvalidOperationException($"no engine call for {action.GetType().Name}");
        }
    }

    internal static string ServiceBody(SwarmServiceSpec spec, IReadOnlyDictionary<(SwarmObjectKind, string), string> ids)
    {
        var c = spec.TaskTemplate.ContainerSpec;
        var withIds = spec with
        {
            TaskTemplate = spec.TaskTemplate with
            {
                ContainerSpec = c with
                {
                    Secrets = c.Secrets?.Select(r => r with { SecretID = ids.GetValueOrDefault((SwarmObjectKind.Secret, r.SecretName), "") }).ToImmutableArray(),
                    Configs = c.Configs?.Select(r => r with { ConfigID = ids.GetValueOrDefault((SwarmObjectKind.Config, r.ConfigName), "") }).ToImmutableArray(),
                    Privileges = c.Privileges?.WithCredentialConfig(n => ids.GetValueOrDefault((SwarmObjectKind.Config, n), "")),
                },
            },
        };
        return JsonSerializer.Serialize(withIds, SwarmJson.Default.SwarmServiceSpec);
    }

    private static string NetworkBody(SwarmNetworkSpec n)
    {
        var body = new JsonObject
        {
            ["Name"] = n.Name,
            ["CheckDuplicate"] = true,
            ["Driver"] = n.Driver,
            ["Internal"] = n.Internal,
            ["Attachable"] = n.Attachable,
            ["Labels"] = Map(n.Labels),
        };
        if (n.Options is { } options) body["Options"] = Map(options);
        if (n.IpamDriver is not null || !n.Subnets.IsEmpty)
            body["IPAM"] = new JsonObject
            {
                ["Driver"] = n.IpamDriver ?? "",
                ["Config"] = new JsonArray([.. n.Subnets.Select(s => (JsonNode)new JsonObject { ["Subnet"] = s })]),
            };
        return body.ToJsonString();
    }

    private static string ObjectBody(CreateSwarmObject c)
    {
        var o = c.Object;
        var body = new JsonObject
        {
            ["Name"] = c.VersionedName,
            ["Labels"] = Map(o.Labels.SetItem(SwarmPlanner.ContentHashLabel, o.ContentHash)),
            ["Data"] = Convert.ToBase64String(o.Data.AsSpan()),
        };
        if (o.Driver is { } driver) body["Driver"] = new JsonObject { ["Name"] = driver.Name, ["Options"] = Map(driver.Options ?? ImmutableSortedDictionary<string, string>.Empty) };
        if (o.TemplateDriver is { } template) body["Templating"] = new JsonObject { ["Name"] = template };
        return body.ToJsonString();
    }

    private static JsonObject Map(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var o = new JsonObject();
        foreach (var (k, v) in pairs) o[k] = v;
        return o;
    }
}
