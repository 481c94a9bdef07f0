using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Reconciler.Core.Swarm;

namespace Reconciler.Docker.Swarm;

/// <summary>
/// Observes a stack on the Swarm: the node's role, the stack's services (specs with network ids
/// turned into names, as the converter names them), every network, secret and config, and the
/// registry digests of the stack's images. Reads only; decides nothing.
/// </summary>
internal sealed class SwarmStackReader(SwarmApi api, SwarmRegistryAuth auth)
{
    public async Task<SwarmRole> RoleAsync(CancellationToken ct)
    {
        var info = await api.GetAsync("info", "read", "the engine's Swarm state", ct).ConfigureAwait(false);
        var swarm = info?["Swarm"];
        if (swarm?["LocalNodeState"]?.GetValue<string>() != "active") return SwarmRole.NotInSwarm;
        return swarm["ControlAvailable"]?.GetValue<bool>() == true ? SwarmRole.Manager : SwarmRole.Worker;
    }

    public async Task<ObservedSwarm> ReadAsync(string stack, IEnumerable<string> images, bool resolveImages, CancellationToken ct,
        IReadOnlyDictionary<string, string>? pins = null)
    {
        var role = await RoleAsync(ct).ConfigureAwait(false);
        if (role != SwarmRole.Manager) return new ObservedSwarm { Role = role };

        var networks = ImmutableSortedDictionary.CreateBuilder<string, ObservedSwarmNetwork>(StringComparer.Ordinal);
        var namesById = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in (await api.GetAsync("networks", "list", "networks", ct).ConfigureAwait(false))?.AsArray() ?? [])
        {
            var id = n!["Id"]!.GetValue<string>();
            var name = n["Name"]!.GetValue<string>();
            namesById[id] = name;
            networks[name] = new ObservedSwarmNetwork(id, name, n["Scope"]?.GetValue<string>() ?? "", n["Driver"]?.GetValue<string>() ?? "", StackOf(n["Labels"]));
        }

        var objects = ImmutableArray.CreateBuilder<ObservedSwarmObject>();
        foreach (var (kind, path) in new[] { (SwarmObjectKind.Secret, "secrets"), (SwarmObjectKind.Config, "configs") })
            foreach (var o in (await api.GetAsync(path, "list", path, ct).ConfigureAwait(false))?.AsArray() ?? [])
                objects.Add(new ObservedSwarmObject(kind, o!["ID"]!.GetValue<string>(), o["Spec"]!["Name"]!.GetValue<string>(), StackOf(o["Spec"]!["Labels"])));

        var services = ImmutableSortedDictionary.CreateBuilder<string, ObservedSwarmService>(StringComparer.Ordinal);
        var (list, tasks) = await ServicesAndTasksAsync(stack, ct).ConfigureAwait(false);
        foreach (var s in list)
        {
            var spec = s["Spec"]!.AsObject();
            foreach (var attachment in (spec["TaskTemplate"]?["Networks"] as JsonArray)?.OfType<JsonObject>() ?? [])
                if (attachment["Target"]?.GetValue<string>() is { } target && namesById.TryGetValue(target, out var name))
                    attachment["Target"] = name;
            // A credential spec names its config by id; the plan compares names.
            if (spec["TaskTemplate"]?["ContainerSpec"]?["Privileges"]?["CredentialSpec"] is JsonObject credential
                && credential["Config"]?.GetValue<string>() is { Length: > 0 } configId
                && objects.FirstOrDefault(o => o.Kind == SwarmObjectKind.Config && o.Id == configId) is { } config)
                credential["Config"] = config.Name;
            var counts = Counts(s, tasks);
            services[counts.Service] = new ObservedSwarmService
            {
                Id = s["ID"]!.GetValue<string>(),
                DesiredTasks = counts.DesiredTasks,
                RunningTasks = counts.RunningTasks,
                Tasks = counts.Tasks,
                Name = counts.Service,
                Version = s["Version"]?["Index"]?.GetValue<ulong>() ?? 0,
                SpecJson = spec.ToJsonString(),
                ForceUpdate = spec["TaskTemplate"]?["ForceUpdate"]?.GetValue<ulong>() ?? 0,
                ReferencedObjects = [.. References(spec).Concat(References(s["PreviousSpec"] as JsonObject)).Distinct(StringComparer.Ordinal)],
                UpdatedAt = s["UpdatedAt"]?.GetValue<string>() is { } at
                    ? DateTimeOffset.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) : null,
                UpdateState = s["UpdateStatus"]?["State"]?.GetValue<string>(),
            };
        }

        var resolved = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        var platforms = ImmutableSortedDictionary.CreateBuilder<string, ImmutableArray<SwarmPlatform>>(StringComparer.Ordinal);
        if (resolveImages)
        {
            foreach (var image in images.Distinct(StringComparer.Ordinal))
            {
                var pin = pins is not null && pins.TryGetValue(image, out var p) ? p : null;
                if (await (pin is null ? ResolveAsync(image, ct) : PlatformsOfPinAsync(pin, ct)).ConfigureAwait(false) is not { } answer) continue;
                resolved[image] = answer.Pinned;
                platforms[image] = answer.Platforms;
            }
        }

        return new ObservedSwarm
        {
            Role = role,
            Services = services.ToImmutable(),
            Networks = networks.ToImmutable(),
            Objects = objects.ToImmutable(),
            ResolvedImages = resolved.ToImmutable(),
            ImagePlatforms = platforms.ToImmutable(),
        };
    }

    /// <summary>The stack's services with their desired count and every task the engine lists for them: two list calls.</summary>
    public async Task<ImmutableArray<SwarmServiceTasks>> ReadTasksAsync(string stack, CancellationToken ct)
    {
        var (list, tasks) = await ServicesAndTasksAsync(stack, ct).ConfigureAwait(false);
        return [.. list.Select(s => Counts(s, tasks)).OrderBy(t => t.Service, StringComparer.Ordinal)];
    }

    private async Task<(List<JsonObject> Services, ILookup<string, JsonObject> TasksByService)> ServicesAndTasksAsync(string stack, CancellationToken ct)
    {
        var filter = SwarmApi.LabelFilter(SwarmStackLabels.Namespace, stack);
        var services = ((await api.GetAsync($"services?{filter}", "list", $"services of stack {stack}", ct).ConfigureAwait(false))?.AsArray() ?? [])
            .OfType<JsonObject>().ToList();
        // The label filter of a task list matches its service's labels: the stack's tasks in any
        // state, ended ones included (restarts are counted from those), none of other stacks.
        var tasks = ((await api.GetAsync($"tasks?{filter}", "list", $"tasks of stack {stack}", ct).ConfigureAwait(false))?.AsArray() ?? [])
            .OfType<JsonObject>()
            .ToLookup(t => t["ServiceID"]?.GetValue<string>() ?? "", StringComparer.Ordinal);
        return (services, tasks);
    }

    private static SwarmServiceTasks Counts(JsonObject service, ILookup<string, JsonObject> tasksByService)
    {
        var spec = service["Spec"]!;
        var tasks = tasksByService[service["ID"]!.GetValue<string>()].Select(TaskOf).ToImmutableArray();
        var desired = spec["Mode"]?["Replicated"] is JsonObject replicated
            ? (long)(replicated["Replicas"]?.GetValue<ulong>() ?? 1)
            : tasks.Count(t => t.DesiredState == "running");
        return new SwarmServiceTasks(spec["Name"]!.GetValue<string>(), desired, tasks);
    }

    private static ObservedSwarmTask TaskOf(JsonObject t)
    {
        // A global service's tasks have no slot: the node is where a replacement goes.
        var slot = t["Slot"]?.GetValue<long>() is { } n and > 0 ? n.ToString(CultureInfo.InvariantCulture) : t["NodeID"]?.GetValue<string>() ?? "";
        var created = t["CreatedAt"]?.GetValue<string>() is { } at
            ? DateTimeOffset.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) : DateTimeOffset.MinValue;
        var specJson = t["Spec"]?.ToJsonString() ?? "";
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(specJson)))[..16];
        return new ObservedSwarmTask(t["ID"]!.GetValue<string>(), slot, t["Status"]?["State"]?.GetValue<string>() ?? "",
            t["DesiredState"]?.GetValue<string>() ?? "", created, hash);
    }

    /// <summary>
    /// <c>--resolve-image always</c>: the registry's digest for the image, appended to the reference
    /// with its tag (<c>:latest</c> when it has none), as the CLI pins it. Null when the registry cannot
    /// say (the image then goes as written and the engine resolves it on each node).
    /// </summary>
    private async Task<(string Pinned, ImmutableArray<SwarmPlatform> Platforms)?> ResolveAsync(string image, CancellationToken ct)
    {
        if (image.Contains('@', StringComparison.Ordinal)) return null;
        try
        {
            var answer = await api.GetAsync($"distribution/{image}/json", "resolve", $"image {image}", ct,
                await auth.HeaderForAsync(image, ct).ConfigureAwait(false)).ConfigureAwait(false);
            if (answer?["Descriptor"]?["digest"]?.GetValue<string>() is not { } digest) return null;
            return ($"{SwarmImagePins.Tagged(image)}@{digest}", PlatformsOf(answer));
        }
        catch (Exception e) when (e is DockerOperationException or Registry.RegistryCredentialException)
        {
            return null;
        }
    }

    // The client's own rule (moby client/service_create.go): "arm" is left out of the platform,
    // since nodes report their variant (armv7l) and would never match.
    private static ImmutableArray<SwarmPlatform> PlatformsOf(JsonNode? answer) =>
        [.. ((answer?["Platforms"] as JsonArray)?.OfType<JsonObject>() ?? [])
            .Select(p => new SwarmPlatform(
                p["architecture"]?.GetValue<string>() is { } arch && !arch.Equals("arm", StringComparison.OrdinalIgnoreCase) ? arch : "",
                p["os"]?.GetValue<string>() ?? ""))];

    /// <summary>
    /// A pinned image keeps its digest whatever its tag points at now; the registry is asked for that
    /// digest's platforms (by digest, so a moved or deleted tag does not matter). When it cannot say,
    /// the pin still holds, without platforms: running the right image matters more than placement hints.
    /// </summary>
    private async Task<(string Pinned, ImmutableArray<SwarmPlatform> Platforms)?> PlatformsOfPinAsync(string pin, CancellationToken ct)
    {
        var at = pin.IndexOf('@', StringComparison.Ordinal);
        if (at < 0) return await ResolveAsync(pin, ct).ConfigureAwait(false);
        var name = pin[..at];
        var lastSlash = name.LastIndexOf('/');
        var colon = name.IndexOf(':', lastSlash + 1);
        var byDigest = (colon > 0 ? name[..colon] : name) + pin[at..];
        try
        {
            var answer = await api.GetAsync($"distribution/{byDigest}/json", "resolve", $"image {byDigest}", ct,
                await auth.HeaderForAsync(byDigest, ct).ConfigureAwait(false)).ConfigureAwait(false);
            return (pin, PlatformsOf(answer));
        }
        catch (Exception e) when (e is DockerOperationException or Registry.RegistryCredentialException)
        {
            return (pin, []);
        }
    }

    private static IEnumerable<string> References(JsonObject? spec)
    {
        var container = spec?["TaskTemplate"]?["ContainerSpec"];
        foreach (var r in (container?["Secrets"] as JsonArray)?.OfType<JsonObject>() ?? [])
            if (r["SecretName"]?.GetValue<string>() is { } n) yield return n;
        foreach (var r in (container?["Configs"] as JsonArray)?.OfType<JsonObject>() ?? [])
            if (r["ConfigName"]?.GetValue<string>() is { } n) yield return n;
    }

    private static string? StackOf(JsonNode? labels) => labels?[SwarmStackLabels.Namespace]?.GetValue<string>();
}

/// <summary>The labels Swarm stacks are found by.</summary>
public static class SwarmStackLabels
{
    public const string Namespace = "com.docker.stack.namespace";
}
