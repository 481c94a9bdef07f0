using System.Collections.Concurrent;
using Docker.DotNet;
using Docker.DotNet.Models;
using Reconciler.Docker;
using Reconciler.Docker.Registry;
using Xunit;

namespace Reconciler.TestSupport;

/// <summary>
/// The real engine and the test registries (tests/setup/engine.sh) for the engine-backed tests.
/// An unreachable engine or a missing test image fails every test with the command to run, on CI
/// and off it alike: red beats a silent skip.
/// <para>
/// Everything a test makes belongs to a project from <see cref="NewProject"/> ("itest-&lt;guid8&gt;")
/// or one registered with <see cref="Track"/>, and is removed at the end by the project label and
/// by name prefix, with the anonymous volumes of its containers; nothing else on the engine is touched.
/// </para>
/// </summary>
public sealed class EngineFixture : IAsyncLifetime
{
    /// <summary>The plain test registry; <see cref="Image10"/>, <see cref="Image11"/> and <see cref="Image20"/> are pushed there.</summary>
    public const string Registry = "127.0.0.1:5000";
    public const string PlainRegistry = Registry;
    public const string AuthRegistry = "127.0.0.1:5001";
    public const string AuthUser = "tester";
    public const string AuthPassword = "s3cret";

    /// <summary>The local tag (no registry): for tests that create containers without pulling.</summary>
    public const string Image = "reconciler-test/busybox:1.0";
    public const string Image10 = Registry + "/reconciler-test/busybox:1.0";
    public const string Image11 = Registry + "/reconciler-test/busybox:1.1";
    public const string Image20 = Registry + "/reconciler-test/busybox:2.0";

    public const string ProjectLabel = ObservedStateReader.ProjectLabel;

    private static readonly string[] RequiredImages = [Image, "reconciler-test/busybox:1.1", Image10, Image11, Image20];

    private readonly ConcurrentBag<string> _projects = [];
    private readonly ConcurrentBag<string> _tempDirs = [];
    private readonly ConcurrentDictionary<string, bool> _anonymousVolumes = new(StringComparer.Ordinal);

    public EngineFixture()
    {
        // Start from an empty Docker client config: nothing from the developer's ~/.docker leaks in.
        EmptyDockerConfig = NewTempDir();
        Engine = new DockerEngine(DockerEndpoint.Resolve(), new DockerConfigCredentials(EmptyDockerConfig));
        Client = Engine.Endpoint.CreateClient();
    }

    /// <summary>A Docker client config directory with nothing in it (the engine's credentials, DOCKER_CONFIG of child processes).</summary>
    public string EmptyDockerConfig { get; }

    /// <summary>Reconciler's own adapter: what the tests drive.</summary>
    public DockerEngine Engine { get; }

    /// <summary>A separate plain Docker.DotNet client: what the tests look with.</summary>
    public DockerClient Client { get; }

    public async Task InitializeAsync()
    {
        await EnsureReachableAsync(Engine.Endpoint.ToString(), Engine.PingAsync);
        foreach (var image in RequiredImages)
        {
            if (await Engine.Images.InspectAsync(image) is null)
            {
                throw new InvalidOperationException(
                    $"Test image {image} is missing: run `bash tests/setup/engine.sh` to build the test images and start the registries.");
            }
        }
    }

    /// <summary>
    /// Pings the engine and fails, never skips, when it does not answer within 15 s: the one
    /// message every engine-backed test gives, telling CI apart from a developer's machine.
    /// </summary>
    public static async Task EnsureReachableAsync(string endpoint, Func<CancellationToken, Task> ping)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await ping(timeout.Token);
        }
        catch (Exception e)
        {
            var ci = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));
            throw new InvalidOperationException(
                $"The Docker engine is unreachable at {endpoint}: {e.Message}. " +
                (ci
                    ? "CI is set: the CI script must start dockerd and the test registries first (bash tests/setup/engine.sh)."
                    : "Start it with `bash tests/setup/engine.sh`. These tests fail rather than skip without an engine."),
                e);
        }
    }

    /// <summary>A fresh project name; everything labelled or named with it is removed at the end.</summary>
    // "itest-" as testdata/record.sh names its projects: the engine lists a container's aliases and
    // links in name order, so the fidelity recordings hold only for a prefix sorting where theirs did.
    public string NewProject() => Track("itest-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Registers a project name chosen elsewhere (e.g. a fidelity case) for cleanup.</summary>
    public string Track(string project)
    {
        _projects.Add(project);
        return project;
    }

    public string NewTempDir()
    {
        var dir = Directory.CreateTempSubdirectory("rtest-").FullName;
        _tempDirs.Add(dir);
        return dir;
    }

    /// <summary>A Docker config dir whose config.json is <paramref name="json"/>.</summary>
    public string ConfigDirWith(string json)
    {
        var dir = NewTempDir();
        File.WriteAllText(Path.Combine(dir, "config.json"), json);
        return dir;
    }

    /// <summary>
    /// Remembers the anonymous volumes of a test project's containers: Reconciler keeps them when it
    /// removes a container (it never deletes data), so the fixture removes them at the end.
    /// </summary>
    public async Task TrackAnonymousVolumesAsync(string project)
    {
        var list = await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = Filter("label", $"{ProjectLabel}={project}"),
        });
        foreach (var c in list)
        {
            foreach (var m in c.Mounts ?? [])
            {
                if (m.Type == "volume" && m.Name is { Length: 64 } name && name.All(char.IsAsciiHexDigitLower))
                {
                    _anonymousVolumes.TryAdd(name, true);
                }
            }
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var project in _projects)
        {
            await TrackAnonymousVolumesAsync(project);
            await CleanUpProjectAsync(project);
        }
        foreach (var volume in _anonymousVolumes.Keys)
        {
            await Ignore(() => Client.Volumes.RemoveAsync(volume, force: true));
        }
        Client.Dispose();
        Engine.Dispose();
        foreach (var dir in _tempDirs)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>
    /// Removes what a test project made: containers (with their anonymous volumes), networks and the
    /// project's named volumes, found by the project label or by the "&lt;project&gt;" name prefix.
    /// The volumes are the test's own; Reconciler itself never removes one.
    /// </summary>
    public async Task CleanUpProjectAsync(string project)
    {
        var byLabel = Filter("label", $"{ProjectLabel}={project}");
        var byName = Filter("name", $"^/?{project}");
        bool Ours(string name, IDictionary<string, string>? labels) =>
            name.TrimStart('/').StartsWith(project, StringComparison.Ordinal) ||
            (labels?.TryGetValue(ProjectLabel, out var p) == true && p == project);

        var containers = (await Client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = byLabel }))
            .Concat(await Client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = byName }))
            .Where(c => c.Names.Any(n => Ours(n, null)) || Ours("", c.Labels))
            .Select(c => c.ID)
            .Distinct();
        foreach (var id in containers)
        {
            await Ignore(() => Client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }));
        }

        var networks = (await Client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = byLabel }))
            .Concat(await Client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = byName }))
            .Where(n => Ours(n.Name, n.Labels))
            .Select(n => n.ID)
            .Distinct();
        foreach (var id in networks)
        {
            await Ignore(() => Client.Networks.DeleteNetworkAsync(id));
        }

        var volumes = ((await Client.Volumes.ListAsync(new VolumesListParameters { Filters = byLabel })).Volumes ?? [])
            .Concat((await Client.Volumes.ListAsync(new VolumesListParameters { Filters = byName })).Volumes ?? [])
            .Where(v => Ours(v.Name, v.Labels))
            .Select(v => v.Name)
            .Distinct();
        foreach (var volume in volumes)
        {
            await Ignore(() => Client.Volumes.RemoveAsync(volume, force: true));
        }

        await RemoveBuiltImagesAsync(Client, project);
    }

    /// <summary>
    /// Removes the images built for a test project: Reconciler labels what it builds with the
    /// project, as compose does (the current tag and the images earlier builds left untagged).
    /// </summary>
    public static async Task RemoveBuiltImagesAsync(IDockerClient client, string project)
    {
        var images = await client.Images.ListImagesAsync(new ImagesListParameters { All = true, Filters = Filter("label", $"{ProjectLabel}={project}") });
        foreach (var image in images)
        {
            await Ignore(() => client.Images.DeleteImageAsync(image.ID, new ImageDeleteParameters { Force = true }));
        }
    }

    public static Dictionary<string, IDictionary<string, bool>> Filter(string key, string value) =>
        new() { [key] = new Dictionary<string, bool> { [value] = true } };

    private static async Task Ignore(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (DockerApiException)
        {
        }
    }
}
