using System.Collections.Immutable;
using System.Text.Json;

namespace Reconciler.Core.Swarm;

/// <summary>
/// Desired stack + observed Swarm → <see cref="SwarmPlan"/>. Pure. Emits, in this order:
/// <see cref="CreateSwarmNetwork"/> (a used network missing), <see cref="CreateSwarmObject"/> (a
/// secret or config whose content has no version yet), <see cref="CreateSwarmService"/>,
/// <see cref="UpdateSwarmService"/> (only when the spec it would send differs from the engine's,
/// engine-filled fields aside: a poll with nothing changed plans nothing), <see cref="RemoveSwarmService"/>
/// (with prune), <see cref="RemoveSwarmObject"/> (versions of the stack's objects that no current or
/// previous service spec refers to). Problems: not a manager; an external network missing or not swarm-scoped.
/// </summary>
public static class SwarmPlanner
{
    /// <summary>The label that carries an object's content hash, so a version is recognised by content.</summary>
    public const string ContentHashLabel = "dev.reconciler.swarm.content-hash";

    /// <summary>
    /// Swarm refuses to change an object's data, so each content gets its own name:
    /// <c>&lt;name&gt;-&lt;12 hex of the content hash&gt;</c> (the services refer to it; the file inside the
    /// container keeps its target name, so applications see no difference).
    /// </summary>
    public static string VersionedName(SwarmObjectSpec o) => $"{o.Name}-{o.ContentHash[..12]}";

    public static SwarmPlan Plan(SwarmStack desired, ObservedSwarm observed, bool prune)
    {
        var problems = new List<string>();
        if (observed.Role != SwarmRole.Manager)
        {
            problems.Add(observed.Role == SwarmRole.Worker
                ? "this node is a Swarm worker, not a manager: a stack with engine: swarm can only be deployed from a manager node"
                : "this node's engine is not part of a Swarm: a stack with engine: swarm needs a manager node (docker swarm init, or join as a manager)");
            return new SwarmPlan { Stack = desired.Name, Problems = [.. problems] };
        }
        foreach (var name in desired.ExternalNetworks)
        {
            if (!observed.Networks.TryGetValue(name, out var n))
                problems.Add($"network \"{name}\" is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed");
            else if (n.Scope != "swarm" && name is not ("host" or "bridge" or "none"))
                problems.Add($"network \"{name}\" is declared as external, but it is not in the right scope: \"{n.Scope}\" instead of \"swarm\"");
        }
        if (problems.Count > 0) return new SwarmPlan { Stack = desired.Name, Problems = [.. problems] };

        var actions = new List<SwarmAction>();
        foreach (var network in desired.Networks.Values)
            if (!observed.Networks.ContainsKey(network.Name)) actions.Add(new CreateSwarmNetwork(network));

        var existing = observed.Objects.Select(o => (o.Kind, o.Name)).ToHashSet();
        var versions = new Dictionary<(SwarmObjectKind, string), string>();
        foreach (var o in desired.Secrets.Concat(desired.Configs))
        {
            var versioned = VersionedName(o);
            versions[(o.Kind, o.Name)] = versioned;
            if (!existing.Contains((o.Kind, versioned))) actions.Add(new CreateSwarmObject(o, versioned));
        }

        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in desired.Services.Values)
        {
            var sent = Resolved(spec, versions, observed.ResolvedImages, observed.ImagePlatforms);
            foreach (var r in sent.TaskTemplate.ContainerSpec.Secrets ?? []) wanted.Add(r.SecretName);
            foreach (var r in sent.TaskTemplate.ContainerSpec.Configs ?? []) wanted.Add(r.ConfigName);
            if (!observed.Services.TryGetValue(spec.Name, out var current))
            {
                actions.Add(new CreateSwarmService(sent));
                continue;
            }
            var changes = SwarmSpecComparison.Differences(current.SpecJson, Json(sent), compareDigests: observed.ResolvedImages.ContainsKey(spec.TaskTemplate.ContainerSpec.Image));
            if (!changes.IsEmpty)
                actions.Add(new UpdateSwarmService(current.Id, current.Version, sent with { TaskTemplate = sent.TaskTemplate with { ForceUpdate = current.ForceUpdate } }, changes));
        }

        var kept = desired.Services.Values.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var referenced = new HashSet<string>(wanted, StringComparer.Ordinal);
        foreach (var service in observed.Services.Values)
        {
            if (!kept.Contains(service.Name) && prune) actions.Add(new RemoveSwarmService(service.Id, service.Name));
            else foreach (var r in service.ReferencedObjects) referenced.Add(r);
        }
        foreach (var o in observed.Objects.Where(o => o.Stack == desired.Name).OrderBy(o => o.Name, StringComparer.Ordinal))
            if (!referenced.Contains(o.Name) && !versions.ContainsValue(o.Name)) actions.Add(new RemoveSwarmObject(o.Kind, o.Id, o.Name));

        return new SwarmPlan { Stack = desired.Name, Actions = [.. actions] };
    }

    /// <summary>The spec as sent: references under their versioned names, the image pinned to its digest (and its platforms) when resolved.</summary>
    public static SwarmServiceSpec Resolved(SwarmServiceSpec spec, IReadOnlyDictionary<(SwarmObjectKind, string), string> versions,
        IReadOnlyDictionary<string, string> resolvedImages, IReadOnlyDictionary<string, ImmutableArray<SwarmPlatform>>? platforms = null)
    {
        var c = spec.TaskTemplate.ContainerSpec;
        var container = c with
        {
            Image = resolvedImages.TryGetValue(c.Image, out var pinned) ? pinned : c.Image,
            Secrets = c.Secrets?.Select(r => r with { SecretName = versions.GetValueOrDefault((SwarmObjectKind.Secret, r.SecretName), r.SecretName) })
                .OrderBy(r => r.SecretName, StringComparer.Ordinal).ToImmutableArray(),
            Configs = c.Configs?.Select(r => r with { ConfigName = versions.GetValueOrDefault((SwarmObjectKind.Config, r.ConfigName), r.ConfigName) })
                .OrderBy(r => r.ConfigName, StringComparer.Ordinal).ToImmutableArray(),
            Privileges = c.Privileges?.WithCredentialConfig(n => versions.GetValueOrDefault((SwarmObjectKind.Config, n), n)),
        };
        var placement = platforms is not null && platforms.TryGetValue(c.Image, out var p) && !p.IsEmpty
            ? spec.TaskTemplate.Placement with { Platforms = p }
            : spec.TaskTemplate.Placement;
        return spec with { TaskTemplate = spec.TaskTemplate with { ContainerSpec = container, Placement = placement } };
    }

    public static string Json(SwarmServiceSpec spec) => JsonSerializer.Serialize(spec, SwarmJson.Default.SwarmServiceSpec);
}
