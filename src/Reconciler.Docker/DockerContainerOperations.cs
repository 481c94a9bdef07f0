using System.Collections.Immutable;
using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using ContainerSpec = Reconciler.Core.Desired.ContainerSpec;
using EndpointSpec = Reconciler.Core.Desired.EndpointSpec;
using Reconciler.Docker.Wire;

namespace Reconciler.Docker;

internal sealed class DockerContainerOperations(IDockerClient client, EngineHttp http, DockerEndpoint endpoint) : IDockerContainerOperations
{
    public async Task<CreatedContainer> CreateAsync(ContainerSpec spec, CancellationToken ct = default)
    {
        var (body, connectAfter) = ContainerCreateMapper.Map(spec);
        // Raw request: Docker.DotNet's models lack Config.MacAddress, the only MAC field API 1.41 reads.
        var response = await http.PostJsonAsync(
            "containers/create?name=" + Uri.EscapeDataString(spec.Name),
            body,
            WireJson.Default.ContainerCreateBody,
            WireJson.Default.ContainerCreateResponse,
            "create container",
            Quote(spec.Name),
            ct).ConfigureAwait(false);
        return new CreatedContainer(response.Id, connectAfter, response.Warnings is { } w ? [.. w] : []);
    }

    public Task ConnectNetworkAsync(string containerId, string networkName, EndpointSpec endpointSpec, CancellationToken ct = default)
    {
        var e = ContainerCreateMapper.MapEndpoint(endpointSpec);
        var settings = new EndpointSettings
        {
            // Docker.DotNet's models are not annotated for null; its serializer leaves nulls off the wire.
            Aliases = e.Aliases!,
            Links = e.Links!,
            MacAddress = e.MacAddress!,
            IPAMConfig = e.IPAMConfig is { } ipam
                ? new EndpointIPAMConfig { IPv4Address = ipam.IPv4Address!, IPv6Address = ipam.IPv6Address!, LinkLocalIPs = ipam.LinkLocalIPs! }
                : null!,
        };
        return EngineErrors.Run(endpoint, "connect container", $"{Quote(containerId)} to network {Quote(networkName)}",
            () => client.Networks.ConnectNetworkAsync(networkName, new NetworkConnectParameters { Container = containerId, EndpointConfig = settings }, ct), ct);
    }

    public Task StartAsync(string containerId, CancellationToken ct = default) =>
        EngineErrors.Run(endpoint, "start container", Quote(containerId),
            () => client.Containers.StartContainerAsync(containerId, new ContainerStartParameters(), ct), ct);

    public Task StopAsync(string containerId, TimeSpan? grace = null, CancellationToken ct = default)
    {
        var parameters = new ContainerStopParameters
        {
            WaitBeforeKillSeconds = grace is { } g ? (uint)Math.Max(0, Math.Ceiling(g.TotalSeconds)) : null,
        };
        return EngineErrors.Run(endpoint, "stop container", Quote(containerId),
            () => client.Containers.StopContainerAsync(containerId, parameters, ct), ct);
    }

    public Task RemoveAsync(string containerId, bool removeAnonymousVolumes = false, bool force = false, CancellationToken ct = default) =>
        EngineErrors.Run(endpoint, "remove container", Quote(containerId),
            () => client.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { RemoveVolumes = removeAnonymousVolumes, Force = force }, ct), ct);

    public Task RenameAsync(string containerId, string newName, CancellationToken ct = default) =>
        EngineErrors.Run(endpoint, "rename container", $"{Quote(containerId)} to {Quote(newName)}",
            () => client.Containers.RenameContainerAsync(containerId, new ContainerRenameParameters { NewName = newName }, ct), ct);

    public Task<ContainerRuntimeState?> InspectAsync(string containerId, CancellationToken ct = default) =>
        EngineErrors.Run(endpoint, "inspect container", Quote(containerId), async () =>
        {
            ContainerInspectResponse r;
            try
            {
                r = await client.Containers.InspectContainerAsync(containerId, ct).ConfigureAwait(false);
            }
            catch (DockerContainerNotFoundException)
            {
                return null;
            }
            return ToRuntimeState(r);
        }, ct);

    internal static ContainerRuntimeState ToRuntimeState(ContainerInspectResponse r)
    {
        var state = r.State;
        var health = state?.Health;
        var last = health?.Log is { Count: > 0 } log ? log[^1] : null;
        return new ContainerRuntimeState
        {
            Id = r.ID,
            Name = (r.Name ?? "").TrimStart('/'),
            ImageId = r.Image ?? "",
            Status = state?.Status ?? "",
            Running = state?.Running ?? false,
            Restarting = state?.Restarting ?? false,
            ExitCode = state?.ExitCode ?? 0,
            Error = string.IsNullOrEmpty(state?.Error) ? null : state.Error,
            OomKilled = state?.OOMKilled ?? false,
            RestartCount = r.RestartCount,
            // The engine reports Health only when a healthcheck is configured.
            HealthStatus = string.IsNullOrEmpty(health?.Status) ? null : health.Status,
            HealthFailingStreak = health?.FailingStreak ?? 0,
            LastHealthOutput = last?.Output?.Trim(),
            LastHealthExitCode = last?.ExitCode,
            StartedAt = ParseEngineTime(state?.StartedAt),
            FinishedAt = ParseEngineTime(state?.FinishedAt),
        };
    }

    /// <summary>The engine writes "0001-01-01T00:00:00Z" for "never".</summary>
    private static DateTimeOffset? ParseEngineTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) && t.Year > 1 ? t : null;

    private static string Quote(string s) => $"'{s}'";
}
