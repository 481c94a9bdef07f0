using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;
using Reconciler.Core.Planning;

namespace Reconciler.Core.Tests.Planning;

/// <summary>
/// Literals for planner tests: a desired project built from a few service facts, and the observed
/// state of that project once deployed (<see cref="Deployed"/>), to be bent into the case at hand.
/// </summary>
internal static class Given
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static DesiredProject Project(string name, params DesiredService[] services) => Project(name, services, withVolume: false);

    /// <summary>A project with its default network, and, when asked, a named volume <c>data</c> mounted by every service.</summary>
    public static DesiredProject Project(string name, DesiredService[] services, bool withVolume)
    {
        var network = $"{name}_default";
        var volume = $"{name}_data";
        return new DesiredProject
        {
            Name = name,
            WorkingDir = $"/srv/{name}",
            Networks = ImmutableSortedDictionary<string, NetworkSpec>.Empty.Add("default", new NetworkSpec
            {
                Name = network,
                Labels = ImmutableSortedDictionary<string, string>.Empty.Add(ComposeLabels.Project, name),
            }),
            Volumes = withVolume
                ? ImmutableSortedDictionary<string, VolumeSpec>.Empty.Add("data", new VolumeSpec
                {
                    Name = volume,
                    Labels = ImmutableSortedDictionary<string, string>.Empty.Add(ComposeLabels.Project, name),
                })
                : ImmutableSortedDictionary<string, VolumeSpec>.Empty,
            Services = services.ToImmutableSortedDictionary(s => s.Name, s => Place(name, s, network, withVolume ? volume : null), StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// A service whose fields are its image and environment; its config hash follows from the
    /// fields (plus <paramref name="hidden"/>, standing for what the fields do not show, like the
    /// contents of a bind-mounted file).
    /// </summary>
    public static DesiredService Service(
        string name,
        string image = "app:1.0",
        (string Key, string Value)[]? env = null,
        int replicas = 1,
        string pullPolicy = "missing",
        string? containerName = null,
        string updateOrder = "stop-first",
        string hidden = "")
    {
        var fields = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        fields["image"] = image;
        foreach (var (key, value) in env ?? [])
        {
            fields[$"environment.{key}"] = value;
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join("\n", fields.Select(f => $"{f.Key}={f.Value}")) + "\n" + hidden)))[..16];
        return new DesiredService
        {
            Name = name,
            Image = image,
            PullPolicy = pullPolicy,
            Replicas = replicas,
            ConfigHash = hash,
            ContainerName = containerName,
            UpdateOrder = updateOrder,
            Fields = fields.ToImmutable(),
            StopGracePeriod = TimeSpan.FromSeconds(10),
            Template = new ContainerSpec
            {
                Name = "",
                Image = image,
                Env = [.. (env ?? []).Select(e => $"{e.Key}={e.Value}")],
                Host = new HostSpec { NetworkMode = "default" },
            },
        };
    }

    public static DesiredService DependingOn(this DesiredService service, string dependency, bool restart = false, string condition = "service_started") =>
        service with { DependsOn = service.DependsOn.SetItem(dependency, new Dependency(condition, Required: true, restart)) };

    /// <summary>The project as the engine shows it after a successful deploy: every replica running, every resource present.</summary>
    public static ObservedState Deployed(DesiredProject project) => new()
    {
        Containers =
        [
            .. project.Services.Values.SelectMany(s =>
                Enumerable.Range(1, s.ContainerName is null ? s.Replicas : Math.Min(1, s.Replicas)).Select(n => ContainerOf(project, s.Name, n))),
        ],
        Networks = [.. project.Networks.Values.Select(n => new ObservedNetwork { Id = Id(n.Name), Name = n.Name, Driver = n.Driver, Labels = n.Labels })],
        Volumes = [.. project.Volumes.Values.Select(v => new ObservedVolume { Name = v.Name, Driver = v.Driver, Labels = v.Labels })],
        LocalImages = project.Services.Values
            .Select(s => s.Image)
            .Distinct()
            .ToImmutableSortedDictionary(i => i, ImageId, StringComparer.Ordinal),
    };

    /// <summary>Replica <paramref name="number"/> of a service as this project's deploy created it: running, labelled, on the service's image.</summary>
    public static ObservedContainer ContainerOf(DesiredProject project, string service, int number, string state = "running")
    {
        var s = project.Services[service];
        var name = s.ContainerName ?? $"{project.Name}-{service}-{number}";
        return new ObservedContainer
        {
            Id = Id(name),
            Name = name,
            Image = s.Image,
            ImageId = ImageId(s.Image),
            State = state,
            Status = state == "running" ? "Up 2 hours" : "",
            Created = Now.AddDays(-1),
            Labels = ImmutableSortedDictionary<string, string>.Empty
                .Add(ComposeLabels.Project, project.Name)
                .Add(ComposeLabels.Service, service)
                .Add(ComposeLabels.Number, number.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Add(ComposeLabels.Oneoff, "False")
                .Add(ComposeLabels.ConfigHash, s.ConfigHash)
                .Add(SpecLabel.Name, SpecLabel.Encode(s.Fields)),
        };
    }

    /// <summary>A container that is none of the project's business (no compose labels).</summary>
    public static ObservedContainer Stranger(string name, string state = "running") => new()
    {
        Id = Id(name),
        Name = name,
        Image = "nginx:latest",
        State = state,
        Created = Now.AddDays(-3),
    };

    public static ObservedState With(this ObservedState state, params ObservedContainer[] containers) =>
        state with { Containers = state.Containers.AddRange(containers) };

    public static ObservedState Without(this ObservedState state, string containerName) =>
        state with { Containers = state.Containers.RemoveAll(c => c.Name == containerName) };

    public static ObservedState Changing(this ObservedState state, string containerName, Func<ObservedContainer, ObservedContainer> change) =>
        state with { Containers = [.. state.Containers.Select(c => c.Name == containerName ? change(c) : c)] };

    public static ObservedState WithImage(this ObservedState state, string reference, string id) =>
        state with { LocalImages = state.LocalImages.SetItem(reference, id) };

    public static ObservedState WithoutImage(this ObservedState state, string reference) =>
        state with { LocalImages = state.LocalImages.Remove(reference) };

    public static ObservedContainer WithLabel(this ObservedContainer c, string key, string? value) =>
        c with { Labels = value is null ? c.Labels.Remove(key) : c.Labels.SetItem(key, value) };

    public static Plan Plan(DesiredProject desired, ObservedState observed, PlanOptions? options = null) =>
        Planner.Plan(desired, observed, options ?? new PlanOptions { Now = Now });

    /// <summary>The id an image reference has in these tests, unless a test says otherwise.</summary>
    public static string ImageId(string reference) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(reference)));

    /// <summary>A container or network id derived from its name, 64 hex digits like the engine's.</summary>
    public static string Id(string name) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("id:" + name)));

    /// <summary>Places a service in its project the way the desired-state builder does: replica 1's name, the default network.</summary>
    private static DesiredService Place(string project, DesiredService s, string network, string? volume)
    {
        var name = s.ContainerName ?? $"{project}-{s.Name}-1";
        var endpoint = new EndpointSpec { Aliases = [name, s.Name] };
        return s with
        {
            Template = s.Template with
            {
                Name = name,
                Labels = ImmutableSortedDictionary<string, string>.Empty
                    .Add(ComposeLabels.Project, project)
                    .Add(ComposeLabels.Service, s.Name)
                    .Add(ComposeLabels.Oneoff, "False"),
                Networks = ImmutableSortedDictionary<string, EndpointSpec>.Empty.Add(network, endpoint),
                Host = s.Template.Host with
                {
                    NetworkMode = network,
                    Mounts = volume is null ? [] : [new MountSpec { Type = "volume", Source = volume, Target = "/data" }],
                },
            },
        };
    }
}
