using Reconciler.Core.Desired;

namespace Reconciler.Docker.Cache;

/// <summary>
/// The container operations, each marking the container it touched in the cache once the engine
/// answered (or failed: a failed call may still have changed something). The action's own event
/// arrives later; a read in between must not miss what the pass itself just did.
/// </summary>
internal sealed class CacheMarkingContainers(IDockerContainerOperations inner, EngineCache cache) : IDockerContainerOperations
{
    public async Task<CreatedContainer> CreateAsync(ContainerSpec spec, CancellationToken ct = default)
    {
        try
        {
            var created = await inner.CreateAsync(spec, ct).ConfigureAwait(false);
            cache.MarkContainer(created.Id);
            return created;
        }
        catch
        {
            // A create that failed after all (a timeout) may have left a container by that name: look again by listing everything.
            cache.MarkAllContainers();
            throw;
        }
    }

    public Task ConnectNetworkAsync(string containerId, string networkName, EndpointSpec endpoint, CancellationToken ct = default) =>
        Marking(containerId, () => inner.ConnectNetworkAsync(containerId, networkName, endpoint, ct));

    public Task StartAsync(string containerId, CancellationToken ct = default) =>
        Marking(containerId, () => inner.StartAsync(containerId, ct));

    public Task StopAsync(string containerId, TimeSpan? grace = null, CancellationToken ct = default) =>
        Marking(containerId, () => inner.StopAsync(containerId, grace, ct));

    public Task RemoveAsync(string containerId, bool removeAnonymousVolumes = false, bool force = false, CancellationToken ct = default) =>
        Marking(containerId, () => inner.RemoveAsync(containerId, removeAnonymousVolumes, force, ct));

    public Task RenameAsync(string containerId, string newName, CancellationToken ct = default) =>
        Marking(containerId, () => inner.RenameAsync(containerId, newName, ct));

    public Task<ContainerRuntimeState?> InspectAsync(string containerId, CancellationToken ct = default) => inner.InspectAsync(containerId, ct);

    private async Task Marking(string containerId, Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        finally
        {
            cache.MarkContainer(containerId);
        }
    }
}
