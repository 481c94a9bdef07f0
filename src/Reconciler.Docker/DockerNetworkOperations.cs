using Docker.DotNet;
using Reconciler.Core.Desired;
using Reconciler.Docker.Wire;

namespace Reconciler.Docker;

internal sealed class DockerNetworkOperations(IDockerClient client, EngineHttp http, DockerEndpoint endpoint) : IDockerNetworkOperations
{
    public async Task<string> CreateAsync(NetworkSpec spec, CancellationToken ct = default)
    {
        var body = ToBody(spec);
        // Raw request: Docker.DotNet's model has no CheckDuplicate (dropped in API 1.44), and without it
        // engine 20.10 creates a second network of the same name.
        var response = await http.PostJsonAsync(
            "networks/create",
            body,
            WireJson.Default.NetworkCreateBody,
            WireJson.Default.NetworkCreateResponse,
            "create network",
            $"'{spec.Name}'",
            ct).ConfigureAwait(false);
        return response.Id;
    }

    internal static NetworkCreateBody ToBody(NetworkSpec spec) => new()
    {
        Name = spec.Name,
        CheckDuplicate = true,
        Driver = spec.Driver,
        Internal = spec.Internal,
        Attachable = spec.Attachable,
        EnableIPv6 = spec.EnableIPv6,
        Options = spec.DriverOpts.Count == 0 ? null : new Dictionary<string, string>(spec.DriverOpts),
        Labels = spec.Labels.Count == 0 ? null : new Dictionary<string, string>(spec.Labels),
        IPAM = spec.Ipam is { } ipam
            ? new IpamBody
            {
                Driver = ipam.Driver,
                Options = ipam.Options.Count == 0 ? null : new Dictionary<string, string>(ipam.Options),
                Config = ipam.Config.IsDefaultOrEmpty
                    ? null
                    : ipam.Config.Select(p => new IpamPoolBody
                    {
                        Subnet = p.Subnet,
                        IPRange = p.IpRange,
                        Gateway = p.Gateway,
                        AuxiliaryAddresses = p.AuxAddresses is null || p.AuxAddresses.Count == 0 ? null : new Dictionary<string, string>(p.AuxAddresses),
                    }).ToList(),
            }
            : null,
    };

    public Task RemoveAsync(string networkId, CancellationToken ct = default) =>
        EngineErrors.Run(endpoint, "remove network", $"'{networkId}'", () => client.Networks.DeleteNetworkAsync(networkId, ct), ct);
}
