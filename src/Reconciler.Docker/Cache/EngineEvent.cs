using System.Collections.Immutable;

namespace Reconciler.Docker.Cache;

/// <summary>
/// One message of the engine's event stream: what kind of object (container, network, volume,
/// image), which one (a container or network id, a volume name, an image id or reference) and what
/// happened. Carries too little to update a cached object from: the cache re-lists what it names.
/// </summary>
public sealed record EngineEvent
{
    /// <summary>container, network, volume, image (the kinds the cache follows).</summary>
    public required string Type { get; init; }
    public required string Action { get; init; }
    public required string ActorId { get; init; }
    /// <summary>For a container: its labels plus name, image, exitCode, ….</summary>
    public ImmutableSortedDictionary<string, string> Attributes { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public DateTimeOffset Time { get; init; }

    /// <summary>The same event in the shape the container watchers take.</summary>
    public ContainerEvent ToContainerEvent() => new()
    {
        ContainerId = ActorId,
        Action = Action,
        Name = Attributes.TryGetValue("name", out var name) ? name : null,
        Attributes = Attributes,
        Time = Time,
    };
}
