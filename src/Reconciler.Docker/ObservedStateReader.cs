using System.Collections.Immutable;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using Reconciler.Core.Observed;

namespace Reconciler.Docker;

/// <summary>
/// Reads <see cref="ObservedState"/> with one list call per kind (containers: one by label plus one by
/// name for squatters), all issued concurrently. No per-object inspect.
/// </summary>
public sealed partial class ObservedStateReader : IObservedStateReader
{
    public const string ProjectLabel = "com.docker.compose.project";

    private readonly IDockerClient _client;
    private readonly DockerEndpoint _endpoint;

    public ObservedStateReader(IDockerClient client, DockerEndpoint endpoint)
    {
        _client = client;
        _endpoint = endpoint;
    }

    public async Task<ObservedState> ReadAsync(string project, IReadOnlyCollection<string> wantedContainerNames, CancellationToken ct = default,
        IReadOnlyCollection<string>? wantedResourceNames = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(project);
        var subject = $"of project '{project}'";
        var labelFilter = Filter("label", $"{ProjectLabel}={project}");

        var byLabel = Run("list containers", subject, ct, () => _client.Containers.ListContainersAsync(
            new ContainersListParameters { All = true, Filters = labelFilter }, ct));

        var names = wantedContainerNames.Where(n => !string.IsNullOrWhiteSpace(n)).Distinct(StringComparer.Ordinal).ToList();
        // Squatters are only possible on names the project's own containers don't hold: in the
        // steady state the label list has them all and the name lookup (regex filters) is skipped.
        var byName = LookUpMissingNamesAsync(byLabel, names, ct);

        // External networks and volumes, and ones named explicitly, don't carry the project label:
        // list them all (hosts have few) and keep the project's plus the wanted names.
        var resourceNames = (wantedResourceNames ?? []).ToHashSet(StringComparer.Ordinal);
        var networks = Run("list networks", subject, ct, () => _client.Networks.ListNetworksAsync(
            new NetworksListParameters { Filters = resourceNames.Count == 0 ? labelFilter : null }, ct));
        var volumes = Run("list volumes", subject, ct, () => _client.Volumes.ListAsync(
            new VolumesListParameters { Filters = resourceNames.Count == 0 ? labelFilter : null }, ct));
        var images = Run("list images", "(local)", ct, () => _client.Images.ListImagesAsync(
            new ImagesListParameters { All = false }, ct));

        await Task.WhenAll(byLabel, byName, networks, volumes, images).ConfigureAwait(false);
        bool Keep(string name, IReadOnlyDictionary<string, string> labels) =>
            resourceNames.Contains(name) || (labels.TryGetValue(ProjectLabel, out var p) && p == project);

        var wanted = names.ToHashSet(StringComparer.Ordinal);
        var containers = new Dictionary<string, ObservedContainer>(StringComparer.Ordinal);
        foreach (var c in byLabel.Result)
        {
            containers[c.ID] = ToContainer(c);
        }
        foreach (var c in byName.Result)
        {
            // The engine's name filter is a regex match; keep exact names only.
            var observed = ToContainer(c);
            if (wanted.Contains(observed.Name))
            {
                containers.TryAdd(c.ID, observed);
            }
        }

        return new ObservedState
        {
            Containers = [.. containers.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.Id, StringComparer.Ordinal)],
            Networks = [.. networks.Result.Select(ToNetwork).Where(n => Keep(n.Name, n.Labels)).OrderBy(n => n.Name, StringComparer.Ordinal).ThenBy(n => n.Id, StringComparer.Ordinal)],
            Volumes = [.. (volumes.Result.Volumes ?? []).Select(ToVolume).Where(v => Keep(v.Name, v.Labels)).OrderBy(v => v.Name, StringComparer.Ordinal)],
            LocalImages = ToLocalImages(images.Result),
            BuildDigests = ToBuildDigests(images.Result),
        };
    }

    private async Task<IList<ContainerListResponse>> LookUpMissingNamesAsync(Task<IList<ContainerListResponse>> byLabel, List<string> names, CancellationToken ct)
    {
        if (names.Count == 0) return [];
        var held = (await byLabel.ConfigureAwait(false)).SelectMany(c => c.Names ?? []).Select(n => n.TrimStart('/')).ToHashSet(StringComparer.Ordinal);
        var missing = names.Where(n => !held.Contains(n)).ToList();
        if (missing.Count == 0) return [];
        return await Run("list containers", "by wanted name", ct, () => _client.Containers.ListContainersAsync(
            new ContainersListParameters { All = true, Filters = NameFilter(missing) }, ct)).ConfigureAwait(false);
    }

    private Task<T> Run<T>(string operation, string subject, CancellationToken ct, Func<Task<T>> call) =>
        EngineErrors.Run(_endpoint, operation, subject, call, ct);

    private static Dictionary<string, IDictionary<string, bool>> Filter(string key, params IEnumerable<string> values) =>
        new() { [key] = values.ToDictionary(v => v, _ => true) };

    /// <summary>The engine matches <c>name</c> as a Go regexp against "/name" and "name"; anchor and escape.</summary>
    internal static Dictionary<string, IDictionary<string, bool>> NameFilter(IEnumerable<string> names) =>
        Filter("name", names.Select(n => $"^/?{EscapeGoRegex(n)}$"));

    /// <summary>
    /// The list call gives an exited container's code only inside its human status ("Exited (137) 5
    /// minutes ago"); it is read here, at the wire, so the planner decides on a number.
    /// </summary>
    internal static int? ExitCodeOf(string? status) =>
        status is not null && ExitedStatus().Match(status) is { Success: true } m
            ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;

    [System.Text.RegularExpressions.GeneratedRegex(@"^Exited \((-?\d+)\)")]
    private static partial System.Text.RegularExpressions.Regex ExitedStatus();

    internal static string EscapeGoRegex(string s)
    {
        var sb = new StringBuilder(s.Length + 8);
        foreach (var ch in s)
        {
            if (@"\.+*?()|[]{}^$".Contains(ch, StringComparison.Ordinal))
            {
                sb.Append('\\');
            }
            sb.Append(ch);
        }
        return sb.ToString();
    }

    internal static ObservedContainer ToContainer(ContainerListResponse c) => new()
    {
        Id = c.ID,
        Name = PrimaryName(c.Names),
        Image = c.Image ?? "",
        ImageId = c.ImageID ?? "",
        State = c.State ?? "",
        Status = c.Status ?? "",
        ExitCode = ExitCodeOf(c.Status),
        Labels = ToSorted(c.Labels),
        Mounts = [.. (c.Mounts ?? []).Select(m => new ObservedMount(m.Type ?? "", string.IsNullOrEmpty(m.Name) ? null : m.Name, m.Destination ?? ""))],
        Created = new DateTimeOffset(DateTime.SpecifyKind(c.Created, c.Created.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : c.Created.Kind)),
    };

    /// <summary>
    /// The list call gives every name a container is known by, including legacy link names
    /// ("/other/alias"); its own name is the one with a single leading slash.
    /// </summary>
    internal static string PrimaryName(IList<string>? names)
    {
        if (names is null || names.Count == 0)
        {
            return "";
        }
        var own = names.FirstOrDefault(n => n.LastIndexOf('/') == 0) ?? names[0];
        return own.TrimStart('/');
    }

    internal static ObservedNetwork ToNetwork(NetworkResponse n) => new()
    {
        Id = n.ID,
        Name = n.Name,
        Driver = n.Driver ?? "",
        Internal = n.Internal,
        // The list call carries the driver options: no inspect needed to compare them.
        Options = ToSorted(n.Options),
        Labels = ToSorted(n.Labels),
    };

    internal static ObservedVolume ToVolume(VolumeResponse v) => new()
    {
        Name = v.Name,
        Driver = v.Driver ?? "",
        Labels = ToSorted(v.Labels),
    };

    /// <summary>Every tag (repo:tag) and every digest reference (repo@sha256:…) → image id.</summary>
    internal static ImmutableSortedDictionary<string, string> ToLocalImages(IEnumerable<ImagesListResponse> images)
    {
        var b = ImmutableSortedDictionary.CreateBuilder<string, string>();
        foreach (var image in images)
        {
            foreach (var reference in (image.RepoTags ?? []).Concat(image.RepoDigests ?? []))
            {
                if (string.IsNullOrEmpty(reference) || reference.StartsWith("<none>", StringComparison.Ordinal))
                {
                    continue;
                }
                b[reference] = image.ID;
            }
        }
        return b.ToImmutable();
    }

    /// <summary>Image id → its build digest label, for the images Reconciler built (the list call carries labels).</summary>
    internal static ImmutableSortedDictionary<string, string> ToBuildDigests(IEnumerable<ImagesListResponse> images)
    {
        var b = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var image in images)
            if (image.Labels is { } labels && labels.TryGetValue(Core.Building.BuildLabels.Digest, out var digest))
                b[image.ID] = digest;
        return b.ToImmutable();
    }

    private static ImmutableSortedDictionary<string, string> ToSorted(IDictionary<string, string>? labels) =>
        labels is null || labels.Count == 0
            ? ImmutableSortedDictionary<string, string>.Empty
            : labels.ToImmutableSortedDictionary();
}
