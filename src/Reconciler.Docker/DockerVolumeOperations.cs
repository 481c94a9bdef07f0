using Docker.DotNet;
using Docker.DotNet.Models;
using Reconciler.Core.Desired;

namespace Reconciler.Docker;

/// <summary>Create only. There is no remove, by design: Reconciler never deletes a named volume.</summary>
internal sealed class DockerVolumeOperations(IDockerClient client, DockerEndpoint endpoint) : IDockerVolumeOperations
{
    public Task<string> CreateAsync(VolumeSpec spec, CancellationToken ct = default) =>
        EngineErrors.Run(endpoint, "create volume", $"'{spec.Name}'", async () =>
        {
            var response = await client.Volumes.CreateAsync(new VolumesCreateParameters
            {
                Name = spec.Name,
                Driver = spec.Driver,
                DriverOpts = new Dictionary<string, string>(spec.DriverOpts),
                Labels = new Dictionary<string, string>(spec.Labels),
            }, ct).ConfigureAwait(false);
            return response.Name;
        }, ct);
}
