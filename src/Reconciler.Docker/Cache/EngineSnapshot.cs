using System.Collections.Immutable;
using Reconciler.Core.Observed;

namespace Reconciler.Docker.Cache;

/// <summary>
/// Every container, network and volume on the host and every local image reference, as the list
/// calls report them. Immutable: the cache swaps in a new one per change, so a read selects from a
/// consistent whole without holding a lock.
/// </summary>
internal sealed record EngineSnapshot
{
    public ImmutableDictionary<string, ObservedContainer> Containers { get; init; } = ImmutableDictionary.Create<string, ObservedContainer>(StringComparer.Ordinal);
    public ImmutableArray<ObservedNetwork> Networks { get; init; } = [];
    public ImmutableArray<ObservedVolume> Volumes { get; init; } = [];
    public ImmutableSortedDictionary<string, string> LocalImages { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public ImmutableSortedDictionary<string, string> BuildDigests { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    public static EngineSnapshot Empty { get; } = new();

    /// <summary>
    /// What <see cref="ObservedStateReader.ReadAsync"/> returns for the same arguments, selected from
    /// memory: containers carrying the project label, plus squatters (containers holding a wanted
    /// name the project's own containers do not hold); networks and volumes carrying the project
    /// label or a wanted name; every image reference. Same order as the direct read.
    /// </summary>
    public ObservedState Select(string project, IReadOnlyCollection<string> wantedContainerNames, IReadOnlyCollection<string>? wantedResourceNames)
    {
        var derived = Derived;
        // The same question of the same snapshot gets the same (immutable) answer: a stack whose
        // engine objects did not change sees the very ObservedState of its last pass, so its plan
        // can be reused too (StackReconciler).
        var key = string.Join('\0', [project, .. wantedContainerNames, "\0", .. wantedResourceNames ?? []]);
        return derived.Selections.GetOrAdd(key, _ => SelectFrom(derived, project, wantedContainerNames, wantedResourceNames));
    }

    private ObservedState SelectFrom(SnapshotIndex index, string project, IReadOnlyCollection<string> wantedContainerNames, IReadOnlyCollection<string>? wantedResourceNames)
    {
        var own = index.ByProject[project].ToList();
        var held = own.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var missing = wantedContainerNames.Where(n => !string.IsNullOrWhiteSpace(n) && !held.Contains(n)).ToHashSet(StringComparer.Ordinal);
        if (missing.Count > 0) own.AddRange(missing.SelectMany(n => index.ByName[n]).Where(c => c.Label(ObservedStateReader.ProjectLabel) != project));

        var resourceNames = (wantedResourceNames ?? []).ToHashSet(StringComparer.Ordinal);
        bool Keep(string name, IReadOnlyDictionary<string, string> labels) =>
            resourceNames.Contains(name) || (labels.TryGetValue(ObservedStateReader.ProjectLabel, out var p) && p == project);
        return new ObservedState
        {
            Containers = [.. own.OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.Id, StringComparer.Ordinal)],
            Networks = [.. Networks.Where(n => Keep(n.Name, n.Labels)).OrderBy(n => n.Name, StringComparer.Ordinal).ThenBy(n => n.Id, StringComparer.Ordinal)],
            Volumes = [.. Volumes.Where(v => Keep(v.Name, v.Labels)).OrderBy(v => v.Name, StringComparer.Ordinal)],
            LocalImages = LocalImages,
            BuildDigests = BuildDigests,
        };
    }

    /// <summary>
    /// How this (cached) snapshot differs from a fresh list, one line per object, for the log of a
    /// resync. Containers in <paramref name="inFlight"/> changed while the list ran (their events are
    /// still to be applied) and are not differences. A container's human status ("Up 3 minutes")
    /// ages without events and is not compared; its exit code is.
    /// </summary>
    public IReadOnlyList<string> DifferencesFrom(EngineSnapshot listed, IReadOnlySet<string> inFlight)
    {
        var lines = new List<string>();
        foreach (var (id, cached) in Containers)
        {
            if (inFlight.Contains(id)) continue;
            if (!listed.Containers.TryGetValue(id, out var fresh)) lines.Add($"container {cached.Name} ({Short(id)}) is cached but gone");
            else if (ContainerDifference(cached, fresh) is { } field) lines.Add($"container {cached.Name} ({Short(id)}): cached {field}");
        }
        foreach (var (id, fresh) in listed.Containers)
            if (!inFlight.Contains(id) && !Containers.ContainsKey(id)) lines.Add($"container {fresh.Name} ({Short(id)}) exists but is not cached");
        Compare("network", Networks.ToDictionary(n => n.Id, StringComparer.Ordinal), listed.Networks.ToDictionary(n => n.Id, StringComparer.Ordinal),
            n => n.Name, (a, b) => a.Name == b.Name && a.Driver == b.Driver && a.Internal == b.Internal && a.Labels.SequenceEqual(b.Labels)
                && (a.Options ?? ImmutableSortedDictionary<string, string>.Empty).SequenceEqual(b.Options ?? ImmutableSortedDictionary<string, string>.Empty), lines);
        Compare("volume", Volumes.ToDictionary(v => v.Name, StringComparer.Ordinal), listed.Volumes.ToDictionary(v => v.Name, StringComparer.Ordinal),
            v => v.Name, (a, b) => a.Driver == b.Driver && a.Labels.SequenceEqual(b.Labels), lines);
        if (!LocalImages.SequenceEqual(listed.LocalImages) || !BuildDigests.SequenceEqual(listed.BuildDigests)) lines.Add($"images: cached {LocalImages.Count} references, listed {listed.LocalImages.Count} (or ids differ)");
        return lines;
    }

    /// <summary>The first field of the planner's that differs, said as "state running, engine exited"; null when none does.</summary>
    internal static string? ContainerDifference(ObservedContainer cached, ObservedContainer fresh) =>
        cached.Name != fresh.Name ? $"name {cached.Name}, engine {fresh.Name}"
        : cached.State != fresh.State ? $"state {cached.State}, engine {fresh.State}"
        : cached.ExitCode != fresh.ExitCode ? $"exit code {cached.ExitCode}, engine {fresh.ExitCode}"
        : cached.ImageId != fresh.ImageId || cached.Image != fresh.Image ? $"image {cached.Image}, engine {fresh.Image}"
        : !cached.Labels.SequenceEqual(fresh.Labels) ? "labels differ from the engine's"
        : !cached.Mounts.SequenceEqual(fresh.Mounts) ? "mounts differ from the engine's"
        : cached.Created != fresh.Created ? "creation time differs from the engine's"
        : null;

    private static void Compare<T>(string kind, Dictionary<string, T> cached, Dictionary<string, T> listed, Func<T, string> name, Func<T, T, bool> same, List<string> lines)
    {
        foreach (var (key, c) in cached)
        {
            if (!listed.TryGetValue(key, out var l)) lines.Add($"{kind} {name(c)} is cached but gone");
            else if (!same(c, l)) lines.Add($"{kind} {name(c)} differs from the engine's");
        }
        foreach (var (key, l) in listed)
            if (!cached.ContainsKey(key)) lines.Add($"{kind} {name(l)} exists but is not cached");
    }

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;

    // Every pass of every stack selects its project: scanning all containers each time made a pass
    // cost O(containers on the host), so 100 stacks cost O(n²). The index (and the answers given)
    // are built once per snapshot (snapshots are swapped per change, not per read) and belong to
    // the collections they were built from: `with { … }` copies this field too, so a stale one is
    // recognised by its sources and rebuilt.
    private SnapshotIndex? _derived;

    private SnapshotIndex Derived
    {
        get
        {
            var derived = Volatile.Read(ref _derived);
            if (derived is null || !derived.IsOf(this)) Volatile.Write(ref _derived, derived = new SnapshotIndex(this));
            return derived;
        }
    }

    private sealed class SnapshotIndex(EngineSnapshot of)
    {
        private readonly ImmutableDictionary<string, ObservedContainer> _containers = of.Containers;
        private readonly ImmutableArray<ObservedNetwork> _networks = of.Networks;
        private readonly ImmutableArray<ObservedVolume> _volumes = of.Volumes;
        private readonly ImmutableSortedDictionary<string, string> _images = of.LocalImages;
        private readonly ImmutableSortedDictionary<string, string> _builds = of.BuildDigests;

        public ILookup<string, ObservedContainer> ByProject { get; } = of.Containers.Values.ToLookup(c => c.Label(ObservedStateReader.ProjectLabel) ?? "", StringComparer.Ordinal);
        public ILookup<string, ObservedContainer> ByName { get; } = of.Containers.Values.ToLookup(c => c.Name, StringComparer.Ordinal);
        public System.Collections.Concurrent.ConcurrentDictionary<string, ObservedState> Selections { get; } = new(StringComparer.Ordinal);

        public bool IsOf(EngineSnapshot s) => ReferenceEquals(_containers, s.Containers) && _networks.Equals(s.Networks)
            && _volumes.Equals(s.Volumes) && ReferenceEquals(_images, s.LocalImages) && ReferenceEquals(_builds, s.BuildDigests);
    }
}
