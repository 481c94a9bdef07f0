using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Reconciler.Core.Desired;

namespace Reconciler.Core.Planning;

/// <summary>
/// One step of a <see cref="Plan"/>: a closed set of sealed records, each carrying what the executor
/// needs to make its engine call(s) without deciding anything, and the <see cref="Reason"/> it is
/// needed. An executor switches exhaustively over the concrete types.
/// </summary>
/// <remarks>
/// Ordering is by <see cref="DependsOn"/>: an action may run once every action it names has
/// succeeded; actions with no path between them may run in parallel (<see cref="Plan.Stages"/> is
/// the same graph cut into layers). Collections take part in equality element by element.
/// </remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "action")]
[JsonDerivedType(typeof(PullImage), "pull-image")]
[JsonDerivedType(typeof(CreateNetwork), "create-network")]
[JsonDerivedType(typeof(CreateVolume), "create-volume")]
[JsonDerivedType(typeof(CreateContainer), "create-container")]
[JsonDerivedType(typeof(RecreateContainer), "recreate-container")]
[JsonDerivedType(typeof(RenameContainer), "rename-container")]
[JsonDerivedType(typeof(StartContainer), "start-container")]
[JsonDerivedType(typeof(RestartContainer), "restart-container")]
[JsonDerivedType(typeof(StopContainer), "stop-container")]
[JsonDerivedType(typeof(RemoveContainer), "remove-container")]
public abstract record PlanAction
{
    /// <summary>1-based position in <see cref="Plan.Actions"/>; what <see cref="DependsOn"/> refers to.</summary>
    [JsonPropertyOrder(-6)]
    public int Id { get; init; }

    /// <summary>Ids of the actions that must have succeeded first, ascending; all lower than <see cref="Id"/>.</summary>
    [JsonPropertyOrder(-1)]
    public ImmutableArray<int> DependsOn { get; init; } = [];

    /// <summary>The compose service concerned; null for images, networks and volumes.</summary>
    [JsonPropertyOrder(-5)]
    public string? Service { get; init; }

    /// <summary>Why, for humans: <c>config changed</c>, <c>container missing</c>, <c>scaled down to 2</c>.</summary>
    [JsonPropertyOrder(-2)]
    public required string Reason { get; init; }

    public virtual bool Equals(PlanAction? other) =>
        other is not null
        && EqualityContract == other.EqualityContract
        && Id == other.Id
        && DependsOn.SequenceEqual(other.DependsOn)
        && Service == other.Service
        && Reason == other.Reason;

    public override int GetHashCode() => HashCode.Combine(EqualityContract, Id, Service, Reason);
}

/// <summary>Pull an image reference (<c>POST /images/create</c>). One per distinct image, before the containers that use it.</summary>
public sealed record PullImage : PlanAction
{
    /// <summary>The reference as the first (by name) service using it writes it.</summary>
    public required string Image { get; init; }

    /// <summary>The services whose containers use this image, by name.</summary>
    public ImmutableArray<string> Services { get; init; } = [];

    public bool Equals(PullImage? other) =>
        base.Equals(other) && Image == other.Image && Services.SequenceEqual(other.Services);

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Image);
}

/// <summary>Create a network the project owns (<c>POST /networks/create</c>).</summary>
public sealed record CreateNetwork : PlanAction
{
    public required NetworkSpec Network { get; init; }
}

/// <summary>Create a named volume (<c>POST /volumes/create</c>). There is deliberately no action that removes one.</summary>
public sealed record CreateVolume : PlanAction
{
    public required VolumeSpec Volume { get; init; }
}

/// <summary>An action on one container of the project.</summary>
public abstract record ContainerAction : PlanAction
{
    /// <summary>The container's name once the action is done (the final name for a rename or recreate).</summary>
    [JsonPropertyOrder(-4)]
    public required string ContainerName { get; init; }

    /// <summary>The replica number (<c>com.docker.compose.container-number</c>); null when the container has none.</summary>
    [JsonPropertyOrder(-3)]
    public int? Number { get; init; }

    /// <summary>
    /// What about the container differs from the desired state, as a kind (drift metrics and the
    /// dashboard group by it; <see cref="PlanAction.Reason"/> says it in words). Not part of the plan's JSON.
    /// </summary>
    [JsonIgnore]
    public ContainerDrift Drift { get; init; }
}

/// <summary>The kind of difference a container action repairs.</summary>
public enum ContainerDrift
{
    /// <summary>Its configuration differs (or it must follow a recreated dependency, or its name changed).</summary>
    Config,

    /// <summary>The container does not exist.</summary>
    Missing,

    /// <summary>It exists but is not running.</summary>
    Stopped,

    /// <summary>Its tag now names another image than the one it runs.</summary>
    Image,

    /// <summary>Its service is gone from the project.</summary>
    Orphan,
}

/// <summary>
/// Create the container from <see cref="Spec"/> (its labels already carry project, service, number,
/// config hash and <see cref="SpecLabel"/>), attach its networks, start it.
/// </summary>
public sealed record CreateContainer : ContainerAction
{
    public required ContainerSpec Spec { get; init; }
}

public enum UpdateOrder
{
    /// <summary>compose's way: the old container stops before the new one starts (a short outage, no overlap).</summary>
    StopFirst,

    /// <summary>The new container starts (and turns healthy, when it has a healthcheck) before the old one stops.</summary>
    StartFirst,
}

/// <summary>The engine calls of a recreate, in the order <see cref="RecreateContainer.Steps"/> lists them.</summary>
public enum RecreateStep
{
    /// <summary>Create the new container from the spec under <see cref="RecreateContainer.TemporaryName"/>, attach its networks.</summary>
    CreateNew,

    /// <summary>Start the new container.</summary>
    StartNew,

    /// <summary>Wait until the new container's healthcheck reports healthy (start-first with a healthcheck only).</summary>
    WaitNewHealthy,

    /// <summary>Stop the old container, with <see cref="RecreateContainer.StopGracePeriod"/>.</summary>
    StopOld,

    /// <summary>Remove the old container (anonymous volumes are kept).</summary>
    RemoveOld,

    /// <summary>Rename the new container from the temporary name to <see cref="ContainerAction.ContainerName"/>.</summary>
    RenameNew,
}

/// <summary>
/// Replace a container whose config or image drifted. The new container is created under
/// <see cref="TemporaryName"/> (compose's <c>&lt;old id, 12&gt;_&lt;name&gt;</c>, so a crash
/// midway leaves a container the next plan recognises), then <see cref="Steps"/> run in order.
/// </summary>
public sealed record RecreateContainer : ContainerAction
{
    /// <summary>The container being replaced.</summary>
    public required string ContainerId { get; init; }

    /// <summary>Its current name (differs from <see cref="ContainerAction.ContainerName"/> when the desired name changed).</summary>
    public required string OldName { get; init; }

    public required string TemporaryName { get; init; }

    /// <summary>The new container; its <c>Name</c> is <see cref="TemporaryName"/>.</summary>
    public required ContainerSpec Spec { get; init; }

    public UpdateOrder Order { get; init; }

    /// <summary>The complete sequence for the executor; follows from <see cref="Order"/> and the spec's healthcheck.</summary>
    public ImmutableArray<RecreateStep> Steps { get; init; } = [];

    /// <summary>For <see cref="RecreateStep.StopOld"/>; null: the container's own stop timeout.</summary>
    public TimeSpan? StopGracePeriod { get; init; }

    /// <summary>What differs, field by field, when the old container's <see cref="SpecLabel"/> tells.</summary>
    public ImmutableArray<FieldChange> Changes { get; init; } = [];

    public bool Equals(RecreateContainer? other) =>
        base.Equals(other)
        && ContainerId == other.ContainerId
        && OldName == other.OldName
        && TemporaryName == other.TemporaryName
        && Spec == other.Spec
        && Order == other.Order
        && Steps.SequenceEqual(other.Steps)
        && StopGracePeriod == other.StopGracePeriod
        && Changes.SequenceEqual(other.Changes);

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), ContainerId, TemporaryName);
}

/// <summary>Rename a container (<c>POST /containers/{id}/rename</c>): finishing a recreate a crash interrupted.</summary>
public sealed record RenameContainer : ContainerAction
{
    public required string ContainerId { get; init; }
    public required string OldName { get; init; }
}

/// <summary>Start an existing, up-to-date container that is not running.</summary>
public sealed record StartContainer : ContainerAction
{
    public required string ContainerId { get; init; }
}

/// <summary>Restart a running container (<c>POST /containers/{id}/restart</c>): a dependency with <c>restart: true</c> was recreated.</summary>
public sealed record RestartContainer : ContainerAction
{
    public required string ContainerId { get; init; }
    public TimeSpan? StopGracePeriod { get; init; }
}

/// <summary>Stop a container; always followed by its <see cref="RemoveContainer"/>.</summary>
public sealed record StopContainer : ContainerAction
{
    public required string ContainerId { get; init; }

    /// <summary>Null: the container's own stop timeout.</summary>
    public TimeSpan? StopGracePeriod { get; init; }
}

/// <summary>Remove a stopped container (orphan, surplus replica, duplicate, leftover); anonymous volumes are kept.</summary>
public sealed record RemoveContainer : ContainerAction
{
    public required string ContainerId { get; init; }
}
