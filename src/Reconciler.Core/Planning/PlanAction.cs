using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Reconciler.Core.Desired;

namespace Reconciler.Core.Planning;

/// <summary>
/// One step of a <see cref="Plan"/>: a closed set of sealed records, each carrying what the executor
/// needs to make its engine call(s) without deciding anything, and the <see cref="Reason"/> it is
/// needed. An executor switches exhaustively over the concrete types; everything else that names an
/// action (plan text, CLI, logs, traces, metrics) uses <see cref="Verb"/> and <see cref="Target"/>,
/// which every type must define, so a new action cannot go unnamed.
/// </summary>
/// <remarks>
/// Ordering is by <see cref="DependsOn"/>: an action may run once every action it names has
/// succeeded; actions with no path between them may run in parallel (<see cref="Plan.Stages"/> is
/// the same graph cut into layers). Collections take part in equality element by element.
/// </remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "action")]
[JsonDerivedType(typeof(PullImage), "pull-image")]
[JsonDerivedType(typeof(BuildImage), "build-image")]
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

    /// <summary>
    /// What the action does, in a word or two: <c>pull</c>, <c>build</c>, <c>create network</c>, <c>create volume</c>,
    /// <c>create</c>, <c>recreate</c>, <c>rename</c>, <c>start</c>, <c>restart</c>, <c>stop</c>, <c>remove</c>.
    /// The <c>action</c> of metrics and traces is this with <c>_</c> for the space. Not part of the
    /// plan's JSON (nor is <see cref="Target"/>): the action's type says it.
    /// </summary>
    public abstract string Verb { get; }

    /// <summary>What it acts on: the image reference, the network's or volume's name, the container's (final) name.</summary>
    public abstract string Target { get; }

    /// <summary>The action in a few words, for progress lines and logs: <c>pull app:1.1</c>, <c>create network shop_default</c>, <c>recreate shop-web-1</c>.</summary>
    public string Describe() => $"{Verb} {Target}";

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

    public override string Verb => "pull";
    public override string Target => Image;

    public bool Equals(PullImage? other) =>
        base.Equals(other) && Image == other.Image && Services.SequenceEqual(other.Services);

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Image);
}

/// <summary>Create a network the project owns (<c>POST /networks/create</c>).</summary>
public sealed record CreateNetwork : PlanAction
{
    public required NetworkSpec Network { get; init; }

    public override string Verb => "create network";
    public override string Target => Network.Name;
}

/// <summary>Create a named volume (<c>POST /volumes/create</c>). There is deliberately no action that removes one.</summary>
public sealed record CreateVolume : PlanAction
{
    public required VolumeSpec Volume { get; init; }

    public override string Verb => "create volume";
    public override string Target => Volume.Name;
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

    public sealed override string Target => ContainerName;
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

    /// <summary>The depends_on conditions to wait for between creating the container and starting it.</summary>
    public ImmutableArray<DependencyWait> Waits { get => _waits; init => _waits = value.IsDefault ? [] : value; }

    /// <summary>
    /// The container each <c>service:x</c> mode of <see cref="Spec"/> (<c>network_mode</c>, <c>ipc</c>,
    /// <c>pid</c>) shares, by service name. The engine wants a container id, which may exist only once an
    /// earlier action of the plan has run, so the executor looks the name up as it creates this one.
    /// </summary>
    public ImmutableSortedDictionary<string, string> SharedContainers
    {
        get => _sharedContainers;
        init => _sharedContainers = value ?? ImmutableSortedDictionary<string, string>.Empty;
    }

    /// <summary>Set when the config hash needs a shared container's id: the executor writes the label once it knows it.</summary>
    public ConfigHashTemplate? ConfigHashTemplate { get; init; }

    public override string Verb => "create";

    // JSON leaves both out when empty, and the source-generated reader sets an absent init property
    // to its default: the accessors turn that into empty.
    private readonly ImmutableArray<DependencyWait> _waits = [];
    private readonly ImmutableSortedDictionary<string, string> _sharedContainers = ImmutableSortedDictionary<string, string>.Empty;

    public bool Equals(CreateContainer? other) =>
        base.Equals(other)
        && Spec == other.Spec
        && Waits.SequenceEqual(other.Waits)
        && SharedContainers.SequenceEqual(other.SharedContainers)
        && ConfigHashTemplate == other.ConfigHashTemplate;

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Spec);
}

/// <summary>
/// A depends_on condition other than <c>service_started</c> (which the plan's ordering already
/// satisfies): before starting its container, the action waits until the container named here is
/// healthy, or has exited with code 0, for at most the executor's dependency timeout.
/// </summary>
/// <param name="Service">The service depended on.</param>
/// <param name="ContainerName">The container checked: the service's first replica.</param>
public sealed record DependencyWait(string Service, string ContainerName, WaitCondition Condition);

public enum WaitCondition
{
    /// <summary><c>service_healthy</c>: its healthcheck reports healthy.</summary>
    Healthy,

    /// <summary><c>service_completed_successfully</c>: it ran and exited with code 0.</summary>
    CompletedSuccessfully,
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

    /// <summary>
    /// The complete sequence for the executor, first <see cref="RecreateStep.CreateNew"/>; follows from
    /// <see cref="Order"/> and the spec's healthcheck. Required: the executor runs exactly these.
    /// </summary>
    public required ImmutableArray<RecreateStep> Steps
    {
        get => _steps;
        init => _steps = value.IsDefaultOrEmpty || value[0] != RecreateStep.CreateNew
            ? throw new ArgumentException("a recreate's steps must start with create-new", nameof(Steps))
            : value;
    }

    private readonly ImmutableArray<RecreateStep> _steps;

    /// <summary>For <see cref="RecreateStep.StopOld"/>; null: the container's own stop timeout.</summary>
    public TimeSpan? StopGracePeriod { get; init; }

    /// <summary>What differs, field by field, when the old container's <see cref="SpecLabel"/> tells.</summary>
    public ImmutableArray<FieldChange> Changes { get; init; } = [];

    /// <summary>The depends_on conditions to wait for before the first step.</summary>
    public ImmutableArray<DependencyWait> Waits { get => _waits; init => _waits = value.IsDefault ? [] : value; }

    /// <summary>The containers <see cref="Spec"/>'s <c>service:x</c> modes name, by service.</summary>
    public ImmutableSortedDictionary<string, string> SharedContainers
    {
        get => _sharedContainers;
        init => _sharedContainers = value ?? ImmutableSortedDictionary<string, string>.Empty;
    }

    /// <summary>Set when the config hash needs a shared container's id: the executor writes the label once it knows it.</summary>
    public ConfigHashTemplate? ConfigHashTemplate { get; init; }

    public override string Verb => "recreate";

    // JSON leaves both out when empty, and the source-generated reader sets an absent init property
    // to its default: the accessors turn that into empty.
    private readonly ImmutableArray<DependencyWait> _waits = [];
    private readonly ImmutableSortedDictionary<string, string> _sharedContainers = ImmutableSortedDictionary<string, string>.Empty;

    public bool Equals(RecreateContainer? other) =>
        base.Equals(other)
        && ContainerId == other.ContainerId
        && OldName == other.OldName
        && TemporaryName == other.TemporaryName
        && Spec == other.Spec
        && Order == other.Order
        && Steps.SequenceEqual(other.Steps)
        && StopGracePeriod == other.StopGracePeriod
        && Changes.SequenceEqual(other.Changes)
        && Waits.SequenceEqual(other.Waits)
        && SharedContainers.SequenceEqual(other.SharedContainers)
        && ConfigHashTemplate == other.ConfigHashTemplate;

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), ContainerId, TemporaryName);
}

/// <summary>Rename a container (<c>POST /containers/{id}/rename</c>): finishing a recreate a crash interrupted.</summary>
public sealed record RenameContainer : ContainerAction
{
    public required string ContainerId { get; init; }
    public required string OldName { get; init; }

    public override string Verb => "rename";
}

/// <summary>Start an existing, up-to-date container that is not running.</summary>
public sealed record StartContainer : ContainerAction
{
    public required string ContainerId { get; init; }

    /// <summary>The depends_on conditions to wait for before starting it.</summary>
    public ImmutableArray<DependencyWait> Waits { get => _waits; init => _waits = value.IsDefault ? [] : value; }

    public override string Verb => "start";

    // JSON leaves it out when empty, and the source-generated reader sets an absent init property to its default.
    private readonly ImmutableArray<DependencyWait> _waits = [];

    public bool Equals(StartContainer? other) =>
        base.Equals(other) && ContainerId == other.ContainerId && Waits.SequenceEqual(other.Waits);

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), ContainerId);
}

/// <summary>Restart a running container (<c>POST /containers/{id}/restart</c>): a dependency with <c>restart: true</c> was recreated.</summary>
public sealed record RestartContainer : ContainerAction
{
    public required string ContainerId { get; init; }
    public TimeSpan? StopGracePeriod { get; init; }

    public override string Verb => "restart";
}

/// <summary>Stop a container; always followed by its <see cref="RemoveContainer"/>.</summary>
public sealed record StopContainer : ContainerAction
{
    public required string ContainerId { get; init; }

    /// <summary>Null: the container's own stop timeout.</summary>
    public TimeSpan? StopGracePeriod { get; init; }

    public override string Verb => "stop";
}

/// <summary>Remove a stopped container (orphan, surplus replica, duplicate, leftover); anonymous volumes are kept.</summary>
public sealed record RemoveContainer : ContainerAction
{
    public required string ContainerId { get; init; }

    public override string Verb => "remove";
}
