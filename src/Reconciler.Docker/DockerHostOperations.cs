using Docker.DotNet;
using Docker.DotNet.Models;
using Reconciler.Core.Images;

namespace Reconciler.Docker;

/// <summary>
/// The host-wide reads and the one removal that image garbage collection and the host-pressure
/// metrics need. Kept apart from <see cref="IContainerEngine"/> on purpose: a reconcile pass never
/// lists the whole host or removes an image.
/// </summary>
public interface IDockerHostOperations
{
    /// <summary><c>GET /images/json</c>: every tagged or digested image (not intermediate layers).</summary>
    Task<IReadOnlyList<LocalImage>> ListImagesAsync(CancellationToken ct = default);

    /// <summary><c>GET /containers/json?all=1</c>: every container on the host, any state, any owner.</summary>
    Task<IReadOnlyList<HostContainer>> ListContainersAsync(CancellationToken ct = default);

    /// <summary>
    /// Removes an image without force: each of its references, then the image by id (the engine
    /// refuses while any container, even a stopped one, uses it). False when it was already gone.
    /// </summary>
    Task<bool> RemoveImageAsync(LocalImage image, CancellationToken ct = default);

    /// <summary><c>GET /info</c>: where the engine keeps its data, and the host's memory.</summary>
    Task<EngineHostInfo> InfoAsync(CancellationToken ct = default);

    /// <summary><c>GET /containers/{id}/stats?stream=0&amp;one-shot=1</c>, reduced to memory; null when the container is gone or stopped.</summary>
    Task<ContainerMemory?> MemoryAsync(string containerId, CancellationToken ct = default);
}

/// <param name="Labels">The container's labels (compose project and service).</param>
public sealed record HostContainer(string Id, string ImageId, string State, IReadOnlyDictionary<string, string> Labels);

public sealed record EngineHostInfo(string DockerRootDir, long MemTotal);

/// <param name="Usage">Bytes in use, the page cache that can be reclaimed (inactive file) left out, as <c>docker stats</c> shows it.</param>
/// <param name="Limit">The cgroup's limit; the host's memory when the container has none.</param>
public sealed record ContainerMemory(long Usage, long Limit);

internal sealed class DockerHostOperations(IDockerClient client, DockerEndpoint endpoint, Action imagesChanged) : IDockerHostOperations
{
    public Task<IReadOnlyList<LocalImage>> ListImagesAsync(CancellationToken ct = default) =>
        EngineErrors.Run(endpoint, "list images", "(all)", async () =>
        {
            var listed = await client.Images.ListImagesAsync(new ImagesListParameters { All = false }, ct).ConfigureAwait(false);
            return (IReadOnlyList<LocalImage>)[.. listed.Select(i => new LocalImage(
                i.ID,
                [.. (i.RepoTags ?? []).Where(t => t != "<none>:<none>")],
                [.. (i.RepoDigests ?? []).Where(d => d != "<none>@<none>")],
                i.Size,
                new DateTimeOffset(DateTime.SpecifyKind(i.Created, DateTimeKind.Utc))))];
        }, ct);

    public Task<IReadOnlyList<HostContainer>> ListContainersAsync(CancellationToken ct = default) =>
        EngineErrors.Run(endpoint, "list containers", "(all)", async () =>
        {
            var listed = await client.Containers.ListContainersAsync(new ContainersListParameters { All = true }, ct).ConfigureAwait(false);
            return (IReadOnlyList<HostContainer>)[.. listed.Select(c => new HostContainer(c.ID, c.ImageID ?? "", c.State ?? "",
                (IReadOnlyDictionary<string, string>?)c.Labels ?? new Dictionary<string, string>()))];
        }, ct);

    public async Task<bool> RemoveImageAsync(LocalImage image, CancellationToken ct = default)
    {
        try
        {
            return await EngineErrors.Run(endpoint, "remove image", $"'{image.Name}'", async () =>
            {
                // Untag first: removing by id would need force when an image has several tags,
                // and force also takes an image away from stopped containers.
                var removed = false;
                foreach (var reference in image.References)
                    removed |= await DeleteAsync(reference).ConfigureAwait(false);
                removed |= await DeleteAsync(image.Id).ConfigureAwait(false);
                return removed;
            }, ct).ConfigureAwait(false);
        }
        finally
        {
            imagesChanged();
        }

        async Task<bool> DeleteAsync(string reference)
        {
            try
            {
                await client.Images.DeleteImageAsync(reference, new ImageDeleteParameters { Force = false, NoPrune = false }, ct).ConfigureAwait(false);
                return true;
            }
            catch (DockerImageNotFoundException)
            {
                return false;
            }
        }
    }

    public Task<EngineHostInfo> InfoAsync(CancellationToken ct = default) =>
        EngineErrors.Run(endpoint, "read engine info", "(system)", async () =>
        {
            var info = await client.System.GetSystemInfoAsync(ct).ConfigureAwait(false);
            return new EngineHostInfo(info.DockerRootDir ?? "", info.MemTotal);
        }, ct);

    public async Task<ContainerMemory?> MemoryAsync(string containerId, CancellationToken ct = default)
    {
        try
        {
            return await EngineErrors.Run(endpoint, "read container stats", $"'{containerId}'", async () =>
            {
                ContainerStatsResponse? stats = null;
                await client.Containers.GetContainerStatsAsync(containerId,
                    new ContainerStatsParameters { Stream = false, OneShot = true },
                    new SyncProgress<ContainerStatsResponse>(s => stats ??= s), ct).ConfigureAwait(false);
                if (stats?.MemoryStats is not { Usage: > 0 } m) return null;
                // cgroup v2 calls the reclaimable page cache inactive_file, v1 total_inactive_file.
                var cache = m.Stats is { } s && (s.TryGetValue("inactive_file", out var v2) || s.TryGetValue("total_inactive_file", out v2)) ? (long)v2 : 0;
                return new ContainerMemory((long)m.Usage - Math.Min(cache, (long)m.Usage), (long)(m.Limit ?? 0));
            }, ct).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Reports on the caller's thread: <see cref="Progress{T}"/> would post to the pool and arrive after the call returned.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
