using Docker.DotNet;
using Reconciler.Docker.Cache;
using Reconciler.Docker.Registry;
using Reconciler.Docker.Wire;

namespace Reconciler.Docker;

/// <summary>
/// One connection to one engine, handing out the per-resource operations. Creating it does no I/O;
/// call <see cref="PingAsync"/> to find out whether the engine answers.
/// </summary>
public sealed class DockerEngine : IContainerEngine, IDisposable
{
    private readonly DockerClient _client;
    private readonly EngineHttp _http;

    /// <param name="cache">
    /// When set, <see cref="State"/> reads from one <see cref="EngineCache"/> (the daemon's; call
    /// <see cref="EngineCache.RunAsync"/> to feed it) and every operation marks what it touched there.
    /// </param>
    public DockerEngine(DockerEndpoint endpoint, IRegistryCredentialProvider? credentials = null, EngineCacheOptions? cache = null, TimeProvider? time = null)
    {
        Endpoint = endpoint;
        _client = endpoint.CreateClient();
        _http = new EngineHttp(endpoint);
        Credentials = credentials ?? DockerConfigCredentials.FromEnvironment();
        State = new ObservedStateReader(_client, endpoint);
        Containers = new DockerContainerOperations(_client, _http, endpoint);
        Networks = new DockerNetworkOperations(_client, _http, endpoint);
        Volumes = new DockerVolumeOperations(_client, endpoint);
        Images = new DockerImageOperations(_client, Credentials, endpoint, _http);
        Events = new DockerEventSource(_client, endpoint);
        Host = new DockerHostOperations(_client, endpoint, () => Cache?.MarkImages());
        if (cache is not null)
        {
            Direct = State;
            Cache = new EngineCache(_client, _http, endpoint, Direct, cache, time ?? TimeProvider.System);
            State = Cache;
            Containers = new CacheMarkingContainers(Containers, Cache);
            Networks = new CacheMarkingNetworks(Networks, Cache);
            Volumes = new CacheMarkingVolumes(Volumes, Cache);
            Images = new CacheMarkingImages(Images, Cache);
            Events = new CachedEventSource(Cache, time ?? TimeProvider.System);
        }
        else
        {
            Direct = State;
        }
    }

    /// <summary>Resolves the endpoint (explicit host, else DOCKER_HOST, else the default socket) and connects lazily.</summary>
    public static DockerEngine Connect(string? host = null, IRegistryCredentialProvider? credentials = null, EngineCacheOptions? cache = null) =>
        new(DockerEndpoint.Resolve(host), credentials, cache);

    public DockerEndpoint Endpoint { get; }
    public IRegistryCredentialProvider Credentials { get; }
    /// <summary>Observed state: the engine cache when there is one, else <see cref="Direct"/>.</summary>
    public IObservedStateReader State { get; }
    /// <summary>Observed state read from the engine, always (list calls per read).</summary>
    public IObservedStateReader Direct { get; }
    /// <summary>The daemon's engine cache; null when reads go to the engine directly (the CLI, <c>docker.cache: false</c>).</summary>
    public EngineCache? Cache { get; }
    public IDockerContainerOperations Containers { get; }
    public IDockerNetworkOperations Networks { get; }
    public IDockerVolumeOperations Volumes { get; }
    public IDockerImageOperations Images { get; }
    /// <summary>Host-wide reads and image removal, for image garbage collection and host-pressure metrics.</summary>
    public IDockerHostOperations Host { get; }
    /// <summary>Container events per project: from the cache's one stream when there is a cache, else a stream each.</summary>
    public IDockerEventSource Events { get; }

    /// <summary>
    /// The running containers that publish <paramref name="hostPort"/> on the host, by name, with
    /// their compose project label (null: not a compose container). For naming who holds a port a
    /// deploy could not bind. (The engine's own <c>publish</c> filter matches container ports, not
    /// host ports, so the list is filtered here.)
    /// </summary>
    public async Task<IReadOnlyList<(string Name, string? Project)>> ContainersPublishingAsync(int hostPort, CancellationToken ct = default)
    {
        var running = await EngineErrors.Run(Endpoint, "list containers", "(running)",
            () => _client.Containers.ListContainersAsync(new global::Docker.DotNet.Models.ContainersListParameters { All = false }, ct), ct).ConfigureAwait(false);
        return
        [
            .. running
                .Where(c => c.Ports?.Any(p => p.PublicPort == hostPort) == true)
                .Select(c => (c.Names?.FirstOrDefault()?.TrimStart('/') ?? c.ID[..Math.Min(12, c.ID.Length)],
                    c.Labels is { } labels && labels.TryGetValue(Reconciler.Core.Desired.ComposeLabels.Project, out var project) ? project : (string?)null)),
        ];
    }

    /// <summary>The underlying Docker.DotNet client, for tests and diagnostics only.</summary>
    internal IDockerClient Client => _client;

    /// <summary>
    /// <c>GET /version</c>. Throws <see cref="DockerEngineUnavailableException"/> when the engine cannot be
    /// reached or speaks an API older than <see cref="DockerEndpoint.ApiVersion"/>.
    /// </summary>
    public async Task<EngineVersion> PingAsync(CancellationToken ct = default)
    {
        var v = await EngineErrors.Run(Endpoint, "query", "engine version", () => _client.System.GetVersionAsync(ct), ct).ConfigureAwait(false);
        var version = new EngineVersion(v.Version ?? "", v.APIVersion ?? "", v.MinAPIVersion ?? "", v.Os ?? "", v.Arch ?? "");
        if (Version.TryParse(version.ApiVersion, out var api) && api < DockerEndpoint.ApiVersion)
        {
            throw new DockerEngineUnavailableException(
                $"the Docker engine at {Endpoint.Uri} ({Endpoint.Source}) is version {version.Version} with API {version.ApiVersion}; " +
                $"Reconciler needs API {DockerEndpoint.ApiVersion} (Docker 20.10) or newer.");
        }
        return version;
    }

    public void Dispose()
    {
        _http.Dispose();
        _client.Dispose();
    }
}
