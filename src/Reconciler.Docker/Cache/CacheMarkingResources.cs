using Reconciler.Core.Desired;
using Reconciler.Core.Observed;

namespace Reconciler.Docker.Cache;

/// <summary>Network create/remove marking the cache's networks changed (see <see cref="CacheMarkingContainers"/>).</summary>
internal sealed class CacheMarkingNetworks(IDockerNetworkOperations inner, EngineCache cache) : IDockerNetworkOperations
{
    public async Task<string> CreateAsync(NetworkSpec spec, CancellationToken ct = default)
    {
        try { return await inner.CreateAsync(spec, ct).ConfigureAwait(false); }
        finally { cache.MarkNetworks(); }
    }

    public async Task RemoveAsync(string networkId, CancellationToken ct = default)
    {
        try { await inner.RemoveAsync(networkId, ct).ConfigureAwait(false); }
        finally { cache.MarkNetworks(); }
    }
}

/// <summary>Volume create marking the cache's volumes changed.</summary>
internal sealed class CacheMarkingVolumes(IDockerVolumeOperations inner, EngineCache cache) : IDockerVolumeOperations
{
    public async Task<string> CreateAsync(VolumeSpec spec, CancellationToken ct = default)
    {
        try { return await inner.CreateAsync(spec, ct).ConfigureAwait(false); }
        finally { cache.MarkVolumes(); }
    }
}

/// <summary>Image pull and build marking the cache's image references changed.</summary>
internal sealed class CacheMarkingImages(IDockerImageOperations inner, EngineCache cache) : IDockerImageOperations
{
    public Task<ObservedImage?> InspectAsync(string reference, CancellationToken ct = default) => inner.InspectAsync(reference, ct);

    public async Task<PullResult> PullAsync(string reference, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        try { return await inner.PullAsync(reference, progress, ct).ConfigureAwait(false); }
        finally { cache.MarkImages(); }
    }

    public async Task<ObservedImage> BuildAsync(Core.Building.BuildSpec spec, IReadOnlyList<string> tags, IReadOnlyDictionary<string, string> labels,
        IProgress<string>? progress = null, CancellationToken ct = default)
    {
        try { return await inner.BuildAsync(spec, tags, labels, progress, ct).ConfigureAwait(false); }
        finally { cache.MarkImages(); }
    }
}
