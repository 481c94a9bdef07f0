using System.Collections.Immutable;

namespace Reconciler.Core.Observed;

/// <summary>
/// One live container as the engine's list call reports it. Only list-call fields: a no-op
/// cycle must not need a per-container inspect, so drift is judged from labels and state.
/// </summary>
public sealed record ObservedContainer
{
    public required string Id { get; init; }
    /// <summary>Without the leading slash.</summary>
    public required string Name { get; init; }
    public required string Image { get; init; }
    /// <summary>The image id (sha256:…) the container was created from.</summary>
    public string ImageId { get; init; } = "";
    /// <summary>created, running, paused, restarting, removing, exited, dead.</summary>
    public required string State { get; init; }
    /// <summary>The engine's human status, e.g. "Up 3 minutes (healthy)".</summary>
    public string Status { get; init; } = "";

    /// <summary>The exit code of an exited container; null while it runs or when the engine did not say.</summary>
    public int? ExitCode { get; init; }
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public DateTimeOffset Created { get; init; }
    /// <summary>Volume mounts as the list call reports them, so a recreate can hand anonymous volumes on.</summary>
    public ImmutableArray<ObservedMount> Mounts { get; init; } = [];

    public string? Label(string key) => Labels.TryGetValue(key, out var v) ? v : null;
    public bool IsRunning => State is "running" or "restarting";
}

/// <summary>One mount of a live container: type (volume, bind, tmpfs), the volume's name, the path inside.</summary>
public sealed record ObservedMount(string Type, string? Name, string Destination);

public sealed record ObservedNetwork
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string Driver { get; init; } = "";
    public bool Internal { get; init; }
    /// <summary>Driver options as the engine reports them; null when the observer did not read them (then not compared).</summary>
    public ImmutableSortedDictionary<string, string>? Options { get; init; }
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}

public sealed record ObservedVolume
{
    public required string Name { get; init; }
    public string Driver { get; init; } = "";
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}

public sealed record ObservedImage(string Id, ImmutableArray<string> RepoTags, ImmutableArray<string> RepoDigests);

/// <summary>
/// Everything the planner may look at, read in one list call per kind. Containers are those
/// carrying the project label plus any holding a name the project wants (to detect squatters).
/// </summary>
public sealed record ObservedState
{
    public ImmutableArray<ObservedContainer> Containers { get; init; } = [];
    public ImmutableArray<ObservedNetwork> Networks { get; init; } = [];
    public ImmutableArray<ObservedVolume> Volumes { get; init; } = [];
    /// <summary>Local images by reference (repo:tag) → image id, for pull decisions.</summary>
    public ImmutableSortedDictionary<string, string> LocalImages { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    /// <summary>Image id → the build digest label (<c>dev.reconciler.build-digest</c>) of the local images Reconciler built.</summary>
    public ImmutableSortedDictionary<string, string> BuildDigests { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public static ObservedState Empty { get; } = new();
}
