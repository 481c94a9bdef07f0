using System.Collections.Immutable;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;

namespace Reconciler.Docker;

// The adapter's surface: one narrow interface per engine resource (in the style of
// testcontainers-dotnet's IDocker*Operations). Each method is one engine call (or the minimum),
// takes no decisions and translates failures into DockerOperationException /
// DockerEngineUnavailableException / ImagePullException.

/// <summary>Reads everything the planner looks at, in one list call per kind.</summary>
/// <summary>
/// The engine as a reconcile pass uses it: observe, act per resource, and ask who holds a port.
/// <see cref="DockerEngine"/> is the real one; the host's in-process tests give a fake.
/// </summary>
public interface IContainerEngine
{
    IObservedStateReader State { get; }
    IDockerContainerOperations Containers { get; }
    IDockerNetworkOperations Networks { get; }
    IDockerVolumeOperations Volumes { get; }
    IDockerImageOperations Images { get; }

    /// <summary>Containers (running or not) publishing <paramref name="hostPort"/>, with their compose project if any.</summary>
    Task<IReadOnlyList<(string Name, string? Project)>> ContainersPublishingAsync(int hostPort, CancellationToken ct = default);
}

public interface IObservedStateReader
{
    /// <summary>
    /// Containers (all states) carrying <c>com.docker.compose.project=&lt;project&gt;</c>, plus any
    /// container holding one of <paramref name="wantedContainerNames"/> whatever its labels (squatters);
    /// networks and volumes carrying the project label; every local image's tags and digests.
    /// Engine calls: container list by label, container list by name (skipped when no names are wanted),
    /// network list, volume list, image list — issued concurrently. No per-object inspect.
    /// </summary>
    Task<ObservedState> ReadAsync(string project, IReadOnlyCollection<string> wantedContainerNames, CancellationToken ct = default,
        IReadOnlyCollection<string>? wantedResourceNames = null);

    /// <summary>
    /// True while reads are answered from memory, where the same question of an unchanged engine gets
    /// the very object it got before (so identity says "nothing changed"); false when every read asks
    /// the engine and builds a new answer.
    /// </summary>
    bool AnswersFromMemory => false;
}

public interface IDockerContainerOperations
{
    /// <summary>
    /// <c>POST /containers/create</c> with every <see cref="ContainerSpec"/> field mapped 1:1. API 1.41 takes
    /// one network endpoint at create; the others come back in <see cref="CreatedContainer.ConnectAfterCreate"/>
    /// and must be attached with <see cref="ConnectNetworkAsync"/> before <see cref="StartAsync"/>.
    /// </summary>
    Task<CreatedContainer> CreateAsync(ContainerSpec spec, CancellationToken ct = default);

    /// <summary><c>POST /networks/{network}/connect</c>.</summary>
    Task ConnectNetworkAsync(string containerId, string networkName, EndpointSpec endpoint, CancellationToken ct = default);

    /// <summary><c>POST /containers/{id}/start</c>; already running is not an error.</summary>
    Task StartAsync(string containerId, CancellationToken ct = default);

    /// <summary>
    /// <c>POST /containers/{id}/stop</c>. <paramref name="grace"/> null: the container's own StopTimeout
    /// (engine default 10 s); otherwise rounded up to whole seconds. Already stopped is not an error.
    /// </summary>
    Task StopAsync(string containerId, TimeSpan? grace = null, CancellationToken ct = default);

    /// <summary>
    /// <c>DELETE /containers/{id}</c>. Anonymous volumes are kept unless asked; named volumes are never
    /// touched by the engine here. <paramref name="force"/> kills a running container first.
    /// </summary>
    Task RemoveAsync(string containerId, bool removeAnonymousVolumes = false, bool force = false, CancellationToken ct = default);

    /// <summary><c>POST /containers/{id}/rename</c>.</summary>
    Task RenameAsync(string containerId, string newName, CancellationToken ct = default);

    /// <summary><c>GET /containers/{id}/json</c>, reduced to run state; null when no such container.</summary>
    Task<ContainerRuntimeState?> InspectAsync(string containerId, CancellationToken ct = default);
}

public interface IDockerNetworkOperations
{
    /// <summary><c>POST /networks/create</c> (with CheckDuplicate, so a second network of the same name is refused). Returns the id.</summary>
    Task<string> CreateAsync(NetworkSpec spec, CancellationToken ct = default);

    /// <summary><c>DELETE /networks/{id}</c>. The core calls it only for project-labelled networks.</summary>
    Task RemoveAsync(string networkId, CancellationToken ct = default);
}

/// <summary>Create only: there is deliberately no remove. Reconciler never deletes a named volume.</summary>
public interface IDockerVolumeOperations
{
    /// <summary><c>POST /volumes/create</c>. Returns the volume's name.</summary>
    Task<string> CreateAsync(VolumeSpec spec, CancellationToken ct = default);
}

public interface IDockerImageOperations
{
    /// <summary><c>GET /images/{ref}/json</c>: id, tags and repo digests; null when the image is not local.</summary>
    Task<ObservedImage?> InspectAsync(string reference, CancellationToken ct = default);

    /// <summary>
    /// <c>POST /images/create</c> with registry credentials from the Docker config file matched on the
    /// registry host. A reference without tag or digest pulls <c>:latest</c> (never all tags).
    /// Progress lines are step summaries ("layer: Pull complete"), not per-byte ticks.
    /// </summary>
    /// <exception cref="ImagePullException">Names the image, the registry and the registry's reason.</exception>
    Task<PullResult> PullAsync(string reference, IProgress<string>? progress = null, CancellationToken ct = default);

    /// <summary>
    /// <c>POST /build</c> with the engine's own (legacy) builder: the context of <paramref name="spec"/>
    /// read from disk and sent as a tar stream (<see cref="Building.BuildContext"/>), tagged with every
    /// one of <paramref name="tags"/>, labelled with <paramref name="labels"/>. Registry credentials for
    /// the Dockerfile's base images come from the Docker config file. The builder's output lines go to
    /// <paramref name="progress"/> as they come. Returns the image built.
    /// </summary>
    /// <exception cref="ImageBuildException">The builder's error, or a context that cannot be read or changed since it was planned.</exception>
    Task<ObservedImage> BuildAsync(Core.Building.BuildSpec spec, IReadOnlyList<string> tags, IReadOnlyDictionary<string, string> labels,
        IProgress<string>? progress = null, CancellationToken ct = default);
}

public interface IDockerEventSource
{
    /// <summary>
    /// Container events (<c>GET /events</c>, type=container, label com.docker.compose.project=&lt;project&gt;)
    /// until <paramref name="ct"/> is cancelled or the engine closes the stream.
    /// </summary>
    IAsyncEnumerable<ContainerEvent> ContainerEventsAsync(string project, DateTimeOffset? since = null, CancellationToken ct = default);
}

/// <summary>A network to attach to a freshly created container before it starts.</summary>
public sealed record NetworkAttachment(string NetworkName, EndpointSpec Endpoint);

/// <param name="Id">The new container's id.</param>
/// <param name="ConnectAfterCreate">Networks not attached at create (API 1.41 takes one), in the order to connect them.</param>
/// <param name="Warnings">The engine's create warnings (e.g. about swap limits).</param>
public sealed record CreatedContainer(string Id, ImmutableArray<NetworkAttachment> ConnectAfterCreate, ImmutableArray<string> Warnings);

/// <summary>A container's run state from one inspect: for health waiting and error messages.</summary>
public sealed record ContainerRuntimeState
{
    public required string Id { get; init; }
    /// <summary>Without the leading slash.</summary>
    public required string Name { get; init; }
    /// <summary>The image id (sha256:…).</summary>
    public string ImageId { get; init; } = "";
    /// <summary>created, running, paused, restarting, removing, exited, dead.</summary>
    public required string Status { get; init; }
    public bool Running { get; init; }
    public bool Restarting { get; init; }
    public long ExitCode { get; init; }
    /// <summary>The engine's error for the last start, e.g. an exec format or mount error.</summary>
    public string? Error { get; init; }
    public bool OomKilled { get; init; }
    public long RestartCount { get; init; }
    /// <summary>starting, healthy, unhealthy; null when the container has no healthcheck.</summary>
    public string? HealthStatus { get; init; }
    public long HealthFailingStreak { get; init; }
    /// <summary>Output of the most recent healthcheck probe (trimmed), if any.</summary>
    public string? LastHealthOutput { get; init; }
    public long? LastHealthExitCode { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
}

/// <param name="Digest">The manifest digest the registry served (sha256:…), when it said.</param>
/// <param name="Downloaded">True when something new was downloaded, false when the local image was up to date.</param>
public sealed record PullResult(string Reference, string? Digest, bool Downloaded);

/// <summary>One container event from the engine's event stream.</summary>
public sealed record ContainerEvent
{
    public required string ContainerId { get; init; }
    /// <summary>create, start, die, health_status: healthy, stop, destroy, rename, oom, …</summary>
    public required string Action { get; init; }
    public string? Name { get; init; }
    /// <summary>The actor's attributes: the container's labels plus name, image, exitCode, ….</summary>
    public ImmutableSortedDictionary<string, string> Attributes { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public DateTimeOffset Time { get; init; }

    public int? ExitCode => Attributes.TryGetValue("exitCode", out var v) && int.TryParse(v, out var code) ? code : null;
}

/// <summary>What <c>GET /version</c> says about the engine.</summary>
public sealed record EngineVersion(string Version, string ApiVersion, string MinApiVersion, string Os, string Arch);
