using System.Collections.Immutable;
using Docker.DotNet;
using Docker.DotNet.Models;
using Reconciler.Core.Observed;
using Reconciler.Docker.Wire;

namespace Reconciler.Docker.Cache;

/// <summary>
/// One in-memory copy of the engine's containers, networks, volumes and image references per daemon,
/// in the manner of a Kubernetes informer: open the event stream, list everything once, then keep the
/// copy current from the events. A read answers from memory; what an event (or one of our own
/// actions) marked changed is re-listed first, by id, in one call. So a pass over an unchanged host
/// makes no engine call at all.
/// <para>
/// Never trusted blindly: everything is listed again when the stream (re)connects and every
/// <see cref="EngineCacheOptions.ResyncInterval"/>, and what the list shows that the events did not
/// is reported (<see cref="Resynced"/>). While the stream is down, or before the first list, reads
/// go to the engine directly (<see cref="ObservedStateReader"/>): no pass plans against a stale copy.
/// </para>
/// </summary>
public sealed class EngineCache : IObservedStateReader
{
    private readonly IDockerClient _client;
    private readonly EngineHttp _http;
    private readonly DockerEndpoint _endpoint;
    private readonly IObservedStateReader _direct;
    private readonly EngineCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    // Held by whoever lists: a refresh of what is marked, or a resync of everything.
    private readonly SemaphoreSlim _listing = new(1, 1);
    private readonly HashSet<string> _changedContainers = new(StringComparer.Ordinal);
    private EngineSnapshot _snapshot = EngineSnapshot.Empty;
    private bool _allContainersChanged, _networksChanged, _volumesChanged, _imagesChanged;
    private bool _synced;
    private CancellationTokenSource? _session;
    private long _memoryReads, _directReads, _listCalls;

    internal EngineCache(IDockerClient client, EngineHttp http, DockerEndpoint endpoint, IObservedStateReader direct, EngineCacheOptions options, TimeProvider time)
    {
        _client = client;
        _http = http;
        _endpoint = endpoint;
        _direct = direct;
        _options = options;
        _time = time;
    }

    /// <summary>A container event that may change what a read returns (not exec_*, attach, resize, …), after it marked the container.</summary>
    public event Action<ContainerEvent>? ContainerChanged;

    /// <summary>After each full list: why, and how the cache differed from it (empty: it did not).</summary>
    public event Action<string, IReadOnlyList<string>>? Resynced;

    /// <summary>The event stream failed or closed: reads go to the engine until it is back. The text says why.</summary>
    public event Action<string>? StreamLost;

    public EngineCacheOptions Options => _options;

    /// <summary>True while the stream is open and the first list after opening it is done: reads are served from memory.</summary>
    public bool IsSynced
    {
        get { lock (_gate) return _synced; }
    }

    /// <inheritdoc />
    public bool AnswersFromMemory => IsSynced;

    /// <summary>Reads answered from memory, reads sent to the engine (not synced), and list calls the cache made (refreshes and resyncs).</summary>
    public (long FromMemory, long Direct, long ListCalls) Counts =>
        (Interlocked.Read(ref _memoryReads), Interlocked.Read(ref _directReads), Interlocked.Read(ref _listCalls));

    /// <summary>For tests: events this returns true for are dropped, as if the stream had lost them.</summary>
    internal Func<EngineEvent, bool>? IgnoreEvents { get; set; }

    /// <inheritdoc />
    /// <remarks>
    /// Same result as <see cref="ObservedStateReader.ReadAsync"/>. Engine calls: none when nothing is
    /// marked changed; otherwise one container list by id (or one full list, past
    /// <see cref="EngineCacheOptions.FullListAbove"/>) and one list per other kind marked. Not synced:
    /// the direct read.
    /// </remarks>
    public async Task<ObservedState> ReadAsync(string project, IReadOnlyCollection<string> wantedContainerNames, CancellationToken ct = default,
        IReadOnlyCollection<string>? wantedResourceNames = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(project);
        if (IsSynced)
        {
            await RefreshAsync(ct).ConfigureAwait(false);
            EngineSnapshot? snapshot = null;
            lock (_gate)
            {
                if (_synced) snapshot = _snapshot;
            }
            if (snapshot is not null)
            {
                Interlocked.Increment(ref _memoryReads);
                return snapshot.Select(project, wantedContainerNames, wantedResourceNames);
            }
        }
        Interlocked.Increment(ref _directReads);
        return await _direct.ReadAsync(project, wantedContainerNames, ct, wantedResourceNames).ConfigureAwait(false);
    }

    /// <summary>
    /// Follows the engine until <paramref name="ct"/> ends: open the stream, list everything, apply
    /// events; on any failure mark the cache unsynced and reconnect with backoff. Never throws but
    /// for cancellation.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        var started = false;
        while (!ct.IsCancellationRequested)
        {
            using var session = CancellationTokenSource.CreateLinkedTokenSource(ct);
            lock (_gate) _session = session;
            try
            {
                await using var stream = await EngineEventStream.OpenAsync(_http, session.Token).ConfigureAwait(false);
                await ResyncAsync(started ? ResyncReason.Reconnect : ResyncReason.Start, session.Token).ConfigureAwait(false);
                started = true;
                failures = 0;
                lock (_gate) _synced = true;
                var periodic = ResyncPeriodicallyAsync(session);
                try
                {
                    await foreach (var e in stream.ReadAsync(session.Token).ConfigureAwait(false)) Apply(e);
                }
                finally
                {
                    await session.CancelAsync().ConfigureAwait(false);
                    await periodic.ConfigureAwait(false);
                }
                if (!ct.IsCancellationRequested) Lost("the engine closed the event stream");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException) when (session.IsCancellationRequested)
            {
                Lost("the event stream was dropped");
            }
            catch (Exception e)
            {
                failures++;
                Lost(e.Message);
            }
            finally
            {
                lock (_gate)
                {
                    _synced = false;
                    _session = null;
                }
            }
            var delay = TimeSpan.FromTicks(Math.Min(_options.MaxRetryDelay.Ticks, _options.RetryDelay.Ticks << Math.Min(failures, 10)));
            try { await Task.Delay(delay, _time, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>For tests: closes the current event stream, as a dockerd restart would; the loop reconnects.</summary>
    internal void DropStream()
    {
        lock (_gate) _session?.Cancel();
    }

    /// <summary>Lists everything now and compares (the periodic check, on demand: tests, diagnostics).</summary>
    public Task ResyncNowAsync(CancellationToken ct = default) => ResyncAsync(ResyncReason.Period, ct);

    /// <summary>An executor action changed this container: the next read re-lists it (its event may not have arrived yet).</summary>
    internal void MarkContainer(string id)
    {
        lock (_gate) _changedContainers.Add(id);
    }

    /// <summary>Something may have changed a container we have no id for: the next read lists them all.</summary>
    internal void MarkAllContainers()
    {
        lock (_gate) _allContainersChanged = true;
    }

    internal void MarkNetworks()
    {
        lock (_gate) _networksChanged = true;
    }

    internal void MarkVolumes()
    {
        lock (_gate) _volumesChanged = true;
    }

    internal void MarkImages()
    {
        lock (_gate) _imagesChanged = true;
    }

    /// <summary>Marks what an event says changed. Container actions that change nothing a read returns are ignored.</summary>
    internal void Apply(EngineEvent e)
    {
        if (IgnoreEvents?.Invoke(e) == true) return;
        switch (e.Type)
        {
            case "container" when ChangesContainer(e.Action):
                MarkContainer(e.ActorId);
                ContainerChanged?.Invoke(e.ToContainerEvent());
                break;
            // connect/disconnect (every container start) change nothing a network read returns.
            case "network" when e.Action is "create" or "destroy" or "remove" or "prune":
                MarkNetworks();
                break;
            // mount/unmount (every container start) neither.
            case "volume" when e.Action is "create" or "destroy" or "remove" or "prune":
                MarkVolumes();
                break;
            case "image":
                MarkImages();
                break;
        }
    }

    internal static bool ChangesContainer(string action) =>
        action is "create" or "start" or "restart" or "die" or "stop" or "kill" or "pause" or "unpause" or "destroy" or "rename" or "update" or "oom"
        || action.StartsWith("health_status", StringComparison.Ordinal);

    private void Lost(string why)
    {
        lock (_gate) _synced = false;
        StreamLost?.Invoke(why);
    }

    private async Task ResyncPeriodicallyAsync(CancellationTokenSource session)
    {
        while (!session.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.ResyncInterval, _time, session.Token).ConfigureAwait(false);
                await ResyncAsync(ResyncReason.Period, session.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception)
            {
                // The engine failed the list: start over (unsynced, reconnect, resync) rather than trust the copy.
                await session.CancelAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>Re-lists what is marked changed; nothing at all when nothing is.</summary>
    private async Task RefreshAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_changedContainers.Count == 0 && !_allContainersChanged && !_networksChanged && !_volumesChanged && !_imagesChanged) return;
        }
        await _listing.WaitAsync(ct).ConfigureAwait(false);
        var marks = TakeMarks();
        try
        {
            var full = marks.AllContainers || marks.Containers.Count > _options.FullListAbove;
            var containers = marks.Containers.Count == 0 && !full ? null
                : await ListContainersAsync(full ? null : marks.Containers, ct).ConfigureAwait(false);
            var networks = marks.Networks ? await ListNetworksAsync(ct).ConfigureAwait(false) : default;
            var volumes = marks.Volumes ? await ListVolumesAsync(ct).ConfigureAwait(false) : default;
            (ImmutableSortedDictionary<string, string> References, ImmutableSortedDictionary<string, string> BuildDigests)? images =
                marks.Images ? await ListImagesAsync(ct).ConfigureAwait(false) : null;
            lock (_gate)
            {
                var s = _snapshot;
                if (containers is not null)
                {
                    var fresh = containers.ToDictionary(c => c.Id, StringComparer.Ordinal);
                    if (full)
                    {
                        s = s with { Containers = fresh.ToImmutableDictionary(StringComparer.Ordinal) };
                    }
                    else
                    {
                        var b = s.Containers.ToBuilder();
                        foreach (var id in marks.Containers)
                        {
                            if (fresh.TryGetValue(id, out var c)) b[id] = c;
                            else b.Remove(id);
                        }
                        s = s with { Containers = b.ToImmutable() };
                    }
                }
                if (marks.Networks) s = s with { Networks = networks };
                if (marks.Volumes) s = s with { Volumes = volumes };
                if (images is { } listedImages) s = s with { LocalImages = listedImages.References, BuildDigests = listedImages.BuildDigests };
                _snapshot = s;
            }
        }
        catch
        {
            PutBack(marks);
            throw;
        }
        finally
        {
            _listing.Release();
        }
    }

    /// <summary>
    /// Lists everything and replaces the copy. Unless this is the first list, reports how the copy
    /// differed, leaving out what was marked changed before or during the list (known, not missed).
    /// </summary>
    private async Task ResyncAsync(string reason, CancellationToken ct)
    {
        IReadOnlyList<string> differences;
        await _listing.WaitAsync(ct).ConfigureAwait(false);
        var marks = TakeMarks();
        try
        {
            EngineSnapshot before;
            lock (_gate) before = _snapshot;
            var listed = await ListAllAsync(ct).ConfigureAwait(false);
            lock (_gate)
            {
                var inFlight = new HashSet<string>(marks.Containers, StringComparer.Ordinal);
                inFlight.UnionWith(_changedContainers);
                // Kinds marked changed are known to differ: compare them as if cached right.
                var compared = before with
                {
                    Networks = marks.Networks || _networksChanged ? listed.Networks : before.Networks,
                    Volumes = marks.Volumes || _volumesChanged ? listed.Volumes : before.Volumes,
                    LocalImages = marks.Images || _imagesChanged ? listed.LocalImages : before.LocalImages,
                    BuildDigests = marks.Images || _imagesChanged ? listed.BuildDigests : before.BuildDigests,
                };
                differences = reason == ResyncReason.Start ? [] : compared.DifferencesFrom(listed, inFlight);
                _snapshot = listed;
            }
        }
        catch
        {
            PutBack(marks);
            throw;
        }
        finally
        {
            _listing.Release();
        }
        Resynced?.Invoke(reason, differences);
    }

    private Marks TakeMarks()
    {
        lock (_gate)
        {
            var marks = new Marks([.. _changedContainers], _allContainersChanged, _networksChanged, _volumesChanged, _imagesChanged);
            _changedContainers.Clear();
            _allContainersChanged = _networksChanged = _volumesChanged = _imagesChanged = false;
            return marks;
        }
    }

    private void PutBack(Marks marks)
    {
        lock (_gate)
        {
            _changedContainers.UnionWith(marks.Containers);
            _allContainersChanged |= marks.AllContainers;
            _networksChanged |= marks.Networks;
            _volumesChanged |= marks.Volumes;
            _imagesChanged |= marks.Images;
        }
    }

    /// <summary>What was marked changed when a list began.</summary>
    private sealed record Marks(IReadOnlyCollection<string> Containers, bool AllContainers, bool Networks, bool Volumes, bool Images);

    private async Task<EngineSnapshot> ListAllAsync(CancellationToken ct)
    {
        var containers = ListContainersAsync(null, ct);
        var networks = ListNetworksAsync(ct);
        var volumes = ListVolumesAsync(ct);
        var images = ListImagesAsync(ct);
        await Task.WhenAll(containers, networks, volumes, images).ConfigureAwait(false);
        return new EngineSnapshot
        {
            Containers = containers.Result.ToImmutableDictionary(c => c.Id, StringComparer.Ordinal),
            Networks = networks.Result,
            Volumes = volumes.Result,
            LocalImages = images.Result.References,
            BuildDigests = images.Result.BuildDigests,
        };
    }

    /// <summary>All containers, or those with the given ids (the engine's id filter; exact ids kept).</summary>
    private async Task<List<ObservedContainer>> ListContainersAsync(IReadOnlyCollection<string>? ids, CancellationToken ct)
    {
        Interlocked.Increment(ref _listCalls);
        var parameters = new ContainersListParameters { All = true };
        if (ids is not null) parameters.Filters = new Dictionary<string, IDictionary<string, bool>> { ["id"] = ids.ToDictionary(i => i, _ => true) };
        var listed = await EngineErrors.Run(_endpoint, "list containers", ids is null ? "(all)" : "(changed)",
            () => _client.Containers.ListContainersAsync(parameters, ct), ct).ConfigureAwait(false);
        var wanted = ids?.ToHashSet(StringComparer.Ordinal);
        return [.. listed.Where(c => wanted is null || wanted.Contains(c.ID)).Select(ObservedStateReader.ToContainer)];
    }

    private async Task<ImmutableArray<ObservedNetwork>> ListNetworksAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _listCalls);
        var listed = await EngineErrors.Run(_endpoint, "list networks", "(all)",
            () => _client.Networks.ListNetworksAsync(new NetworksListParameters(), ct), ct).ConfigureAwait(false);
        return [.. listed.Select(ObservedStateReader.ToNetwork)];
    }

    private async Task<ImmutableArray<ObservedVolume>> ListVolumesAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _listCalls);
        var listed = await EngineErrors.Run(_endpoint, "list volumes", "(all)",
            () => _client.Volumes.ListAsync(new VolumesListParameters(), ct), ct).ConfigureAwait(false);
        return [.. (listed.Volumes ?? []).Select(ObservedStateReader.ToVolume)];
    }

    private async Task<(ImmutableSortedDictionary<string, string> References, ImmutableSortedDictionary<string, string> BuildDigests)> ListImagesAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _listCalls);
        var listed = await EngineErrors.Run(_endpoint, "list images", "(local)",
            () => _client.Images.ListImagesAsync(new ImagesListParameters { All = false }, ct), ct).ConfigureAwait(false);
        return (ObservedStateReader.ToLocalImages(listed), ObservedStateReader.ToBuildDigests(listed));
    }
}
