using System.Collections.Immutable;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;
using Reconciler.Docker;

namespace Reconciler.Tests.Daemon;

/// <summary>
/// An engine in memory, for running whole reconcile passes in-process: containers that are created,
/// started, stopped, renamed and removed as the real engine does it (by id or name), networks,
/// volumes, and a registry of images that pulls make local. A test scripts faults: an image that
/// exits on start, a host port held by something else, a registry without the tag.
/// </summary>
internal sealed class InMemoryEngine(TimeProvider time) : IContainerEngine, IObservedStateReader, IDockerContainerOperations,
    IDockerNetworkOperations, IDockerVolumeOperations, IDockerImageOperations
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Container> _containers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ObservedNetwork> _networks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ObservedVolume> _volumes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ObservedImage> _local = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _registry = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _buildDigests = new(StringComparer.Ordinal);
    private int _next;

    private sealed class Container
    {
        public required string Id { get; init; }
        public required string Name { get; set; }
        public required ContainerSpec Spec { get; init; }
        public required string ImageId { get; init; }
        public string State { get; set; } = "created";
        public long ExitCode { get; set; }
        public DateTimeOffset? StartedAt { get; set; }
    }

    /// <summary>Images whose containers exit with code 1 as soon as they start.</summary>
    public HashSet<string> CrashingImages { get; } = new(StringComparer.Ordinal);

    /// <summary>Host ports bound by a process outside the engine: a start publishing one fails.</summary>
    public HashSet<int> PortsHeldOutside { get; } = [];

    /// <summary>Engine calls that change something (create, start, stop, remove, rename, pull, network and volume creation).</summary>
    public int Changes { get; private set; }

    public IObservedStateReader State => this;
    public IDockerContainerOperations Containers => this;
    public IDockerNetworkOperations Networks => this;
    public IDockerVolumeOperations Volumes => this;
    public IDockerImageOperations Images => this;

    /// <summary>Puts <paramref name="reference"/> in the registry; pulls make it local with a repository digest.</summary>
    public string Publish(string reference)
    {
        var id = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(reference)));
        _registry[reference] = id;
        return id;
    }

    /// <summary>The containers of <paramref name="project"/> as <c>docker ps -a</c> would list them: name → (state, image as created).</summary>
    public IReadOnlyDictionary<string, (string State, string Image)> Project(string project)
    {
        lock (_gate)
            return _containers.Values.Where(c => c.Spec.Labels.GetValueOrDefault(ComposeLabels.Project) == project)
                .ToDictionary(c => c.Name, c => (c.State, c.Spec.Image), StringComparer.Ordinal);
    }

    /// <summary>What <c>docker stop</c> does behind the daemon's back.</summary>
    public void StopByHand(string name)
    {
        lock (_gate) Find(name).State = "exited";
    }

    // --- observe ---

    public Task<ObservedState> ReadAsync(string project, IReadOnlyCollection<string> wantedContainerNames, CancellationToken ct = default,
        IReadOnlyCollection<string>? wantedResourceNames = null)
    {
        lock (_gate)
        {
            var wanted = wantedResourceNames?.ToHashSet(StringComparer.Ordinal) ?? [];
            var answer = new ObservedState
            {
                Containers = [.. _containers.Values
                    .Where(c => c.Spec.Labels.GetValueOrDefault(ComposeLabels.Project) == project || wantedContainerNames.Contains(c.Name))
                    .Select(Observed)],
                Networks = [.. _networks.Values.Where(n => n.Labels.GetValueOrDefault(ComposeLabels.Project) == project || wanted.Contains(n.Name))],
                Volumes = [.. _volumes.Values.Where(v => v.Labels.GetValueOrDefault(ComposeLabels.Project) == project || wanted.Contains(v.Name))],
                LocalImages = _local.Values.SelectMany(i => i.RepoTags.Concat(i.RepoDigests).Select(r => KeyValuePair.Create(r, i.Id)))
                    .ToImmutableSortedDictionary(StringComparer.Ordinal),
                BuildDigests = _buildDigests.Where(d => _local.ContainsKey(d.Key)).ToImmutableSortedDictionary(StringComparer.Ordinal),
            };
            if (!AnswersFromMemory) return Task.FromResult(answer);
            // As the engine cache answers: the same question of an unchanged engine gets the same object.
            var key = string.Join('\0', [project, .. wantedContainerNames, "\0", .. wantedResourceNames ?? []]);
            var content = string.Join('\n', [
                .. answer.Containers.Select(c => $"{c.Id} {c.Name} {c.State} {c.ImageId} {c.ExitCode} {string.Join(',', c.Labels)}"),
                .. answer.Networks.Select(n => n.Id), .. answer.Volumes.Select(v => v.Name),
                .. answer.LocalImages.Select(i => $"{i.Key}={i.Value}"), .. answer.BuildDigests.Select(d => $"{d.Key}={d.Value}")]);
            if (_answers.TryGetValue(key, out var last) && last.Content == content) return Task.FromResult(last.Answer);
            _answers[key] = (content, answer);
            Reads++;
            return Task.FromResult(answer);
        }
    }

    /// <summary>Answer like the engine cache: the very object of the last read while nothing it holds changed.</summary>
    public bool AnswersFromMemory { get; set; }

    /// <summary>With <see cref="AnswersFromMemory"/>: how many reads got a new answer.</summary>
    public int Reads { get; private set; }

    private readonly Dictionary<string, (string Content, ObservedState Answer)> _answers = new(StringComparer.Ordinal);

    private static ObservedContainer Observed(Container c) => new()
    {
        Id = c.Id, Name = c.Name, Image = c.Spec.Image, ImageId = c.ImageId, State = c.State, Labels = c.Spec.Labels,
        Status = c.State == "exited" ? $"Exited ({c.ExitCode}) 1 second ago" : "Up 1 second",
        ExitCode = c.State == "exited" ? (int)c.ExitCode : null,
    };

    public Task<IReadOnlyList<(string Name, string? Project)>> ContainersPublishingAsync(int hostPort, CancellationToken ct = default)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<(string, string?)>>([.. _containers.Values
                .Where(c => c.Spec.Host.PortBindings.Values.Any(bs => bs.Any(b => b.HostPort == hostPort.ToString(System.Globalization.CultureInfo.InvariantCulture))))
                .Select(c => (c.Name, c.Spec.Labels.GetValueOrDefault(ComposeLabels.Project)))]);
    }

    // --- containers ---

    public Task<CreatedContainer> CreateAsync(ContainerSpec spec, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (_containers.Values.Any(c => c.Name == spec.Name))
                throw new DockerOperationException("create container", $"'{spec.Name}'", $"Conflict. The container name \"/{spec.Name}\" is already in use", DockerErrorKind.Conflict, HttpStatusCode.Conflict);
            var image = LocalImage(spec.Image) ?? throw new DockerOperationException("create container", $"'{spec.Name}'", $"No such image: {spec.Image}", DockerErrorKind.NotFound, HttpStatusCode.NotFound);
            var id = $"{++_next:x4}".PadRight(64, '0');
            _containers[id] = new Container { Id = id, Name = spec.Name, Spec = spec, ImageId = image.Id };
            Changes++;
            return Task.FromResult(new CreatedContainer(id, [], []));
        }
    }

    public Task ConnectNetworkAsync(string containerId, string networkName, EndpointSpec endpoint, CancellationToken ct = default) => Task.CompletedTask;

    public Task StartAsync(string containerId, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var c = Find(containerId);
            var held = c.Spec.Host.PortBindings.Values.SelectMany(bs => bs).Select(b => int.TryParse(b.HostPort, out var p) ? p : 0)
                .Where(p => PortsHeldOutside.Contains(p) || _containers.Values.Any(o => o != c && o.State == "running"
                    && o.Spec.Host.PortBindings.Values.Any(bs => bs.Any(b => b.HostPort == p.ToString(System.Globalization.CultureInfo.InvariantCulture)))))
                .ToList();
            if (held.Count > 0)
                throw new PortInUseException("start container", $"'{c.Name}'", $"Bind for 0.0.0.0:{held[0]} failed: port is already allocated", held,
                    HttpStatusCode.InternalServerError, null);
            Changes++;
            c.StartedAt = time.GetUtcNow();
            (c.State, c.ExitCode) = CrashingImages.Contains(c.Spec.Image) || CrashingImages.Contains(c.ImageId) ? ("exited", 1L) : ("running", 0L);
            return Task.CompletedTask;
        }
    }

    public Task StopAsync(string containerId, TimeSpan? grace = null, CancellationToken ct = default)
    {
        lock (_gate)
        {
            Changes++;
            var c = Find(containerId);
            if (c.State == "running") (c.State, c.ExitCode) = ("exited", 0);
            return Task.CompletedTask;
        }
    }

    public Task RemoveAsync(string containerId, bool removeAnonymousVolumes = false, bool force = false, CancellationToken ct = default)
    {
        lock (_gate)
        {
            Changes++;
            _containers.Remove(Find(containerId).Id);
            return Task.CompletedTask;
        }
    }

    public Task RenameAsync(string containerId, string newName, CancellationToken ct = default)
    {
        lock (_gate)
        {
            Changes++;
            Find(containerId).Name = newName;
            return Task.CompletedTask;
        }
    }

    public Task<ContainerRuntimeState?> InspectAsync(string containerId, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var c = _containers.Values.FirstOrDefault(c => c.Id == containerId || c.Name == containerId);
            return Task.FromResult(c is null ? null : new ContainerRuntimeState
            {
                Id = c.Id, Name = c.Name, ImageId = c.ImageId, Status = c.State, Running = c.State == "running",
                ExitCode = c.ExitCode, StartedAt = c.StartedAt, FinishedAt = c.State == "exited" ? c.StartedAt : null,
            });
        }
    }

    private Container Find(string idOrName) =>
        _containers.Values.FirstOrDefault(c => c.Id == idOrName || c.Name == idOrName)
        ?? throw new DockerOperationException("inspect container", $"'{idOrName}'", $"No such container: {idOrName}", DockerErrorKind.NotFound, HttpStatusCode.NotFound);

    // --- networks, volumes ---

    public Task<string> CreateAsync(NetworkSpec spec, CancellationToken ct = default)
    {
        lock (_gate)
        {
            Changes++;
            var id = "net-" + spec.Name;
            _networks[spec.Name] = new ObservedNetwork { Id = id, Name = spec.Name, Driver = spec.Driver, Internal = spec.Internal, Labels = spec.Labels };
            return Task.FromResult(id);
        }
    }

    Task IDockerNetworkOperations.RemoveAsync(string networkId, CancellationToken ct)
    {
        lock (_gate) _networks.Remove(_networks.Values.First(n => n.Id == networkId).Name);
        return Task.CompletedTask;
    }

    public Task<string> CreateAsync(VolumeSpec spec, CancellationToken ct = default)
    {
        lock (_gate)
        {
            Changes++;
            _volumes[spec.Name] = new ObservedVolume { Name = spec.Name, Driver = spec.Driver, Labels = spec.Labels };
            return Task.FromResult(spec.Name);
        }
    }

    // --- images ---

    Task<ObservedImage?> IDockerImageOperations.InspectAsync(string reference, CancellationToken ct)
    {
        lock (_gate) return Task.FromResult(LocalImage(reference));
    }

    private ObservedImage? LocalImage(string reference) =>
        _local.Values.FirstOrDefault(i => i.Id == reference || i.RepoTags.Contains(reference) || i.RepoTags.Contains(reference + ":latest") || i.RepoDigests.Contains(reference));

    public Task<PullResult> PullAsync(string reference, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (!_registry.TryGetValue(reference, out var id))
                throw new ImagePullException(reference, "registry.test", $"manifest for {reference} not found: manifest unknown", usedCredentials: false, notFound: true);
            Changes++;
            var repository = reference[..reference.LastIndexOf(':')];
            var digest = repository + "@sha256:" + id["sha256:".Length..];
            foreach (var (key, image) in _local.ToList())
                if (image.RepoTags.Contains(reference)) _local[key] = image with { RepoTags = image.RepoTags.Remove(reference) };
            _local[id] = _local.TryGetValue(id, out var known)
                ? known with { RepoTags = known.RepoTags.Contains(reference) ? known.RepoTags : known.RepoTags.Add(reference) }
                : new ObservedImage(id, [reference], [digest]);
            return Task.FromResult(new PullResult(reference, "sha256:" + id["sha256:".Length..], Downloaded: true));
        }
    }

    /// <summary>Builds made, by first tag (a failed one included).</summary>
    public List<string> Builds { get; } = [];

    /// <summary>
    /// A build as the engine's builder would do it, without running anything: the image's id follows
    /// from the build digest label, the tags move onto it; a Dockerfile with <c>exit 3</c> fails as a
    /// failing RUN does.
    /// </summary>
    public Task<ObservedImage> BuildAsync(Core.Building.BuildSpec spec, IReadOnlyList<string> tags, IReadOnlyDictionary<string, string> labels,
        IProgress<string>? progress = null, CancellationToken ct = default)
    {
        var dockerfile = spec.DockerfileInline ?? File.ReadAllText(spec.Dockerfile!);
        lock (_gate)
        {
            Builds.Add(tags[0]);
            progress?.Report("Step 1/1 : " + dockerfile.Split('\n')[0]);
            if (dockerfile.Contains("exit 3", StringComparison.Ordinal))
                throw new ImageBuildException(tags[0], "The command '/bin/sh -c exit 3' returned a non-zero code: 3");
            Changes++;
            var digest = labels[Core.Building.BuildLabels.Digest];
            var id = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(digest)));
            var references = tags.Select(t => t[(t.LastIndexOf('/') + 1)..].Contains(':') ? t : t + ":latest").ToList();
            foreach (var (key, image) in _local.ToList())
                _local[key] = image with { RepoTags = image.RepoTags.RemoveAll(references.Contains) };
            _local[id] = new ObservedImage(id, [.. references], []);
            _buildDigests[id] = digest;
            return Task.FromResult(_local[id]);
        }
    }
}
