using System.Collections.Concurrent;
using Docker.DotNet;
using Docker.DotNet.Models;
using Reconciler.Docker.Registry;

namespace Reconciler.Docker.Tests;

/// <summary>
/// One connection to the real engine for every integration test. An unreachable engine fails the
/// tests with a clear message, on CI and off it alike: red beats a silent skip.
/// Everything a test makes is named after a project from <see cref="NewProject"/> ("rtest-&lt;guid8&gt;")
/// and removed at the end by that prefix and by the project label; nothing else is touched.
/// </summary>
public sealed class EngineFixture : IAsyncLifetime
{
    public const string Image = "reconciler-test/busybox:1.0";
    public const string Image11 = "reconciler-test/busybox:1.1";
    public const string PlainRegistry = "127.0.0.1:5000";
    public const string AuthRegistry = "127.0.0.1:5001";
    public const string AuthUser = "tester";
    public const string AuthPassword = "s3cret";

    private readonly ConcurrentBag<string> _projects = [];
    private readonly ConcurrentBag<string> _tempDirs = [];

    public EngineFixture()
    {
        // Tests must not depend on whatever sits in the developer's ~/.docker: start from an empty config.
        EmptyConfigDir = NewTempDir();
        Engine = new DockerEngine(DockerEndpoint.Resolve(), new DockerConfigCredentials(EmptyConfigDir));
    }

    public DockerEngine Engine { get; }
    public string EmptyConfigDir { get; }
    public IDockerClient Client => Engine.Client;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await Engine.PingAsync(timeout.Token);
        }
        catch (Exception e)
        {
            var ci = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));
            throw new InvalidOperationException(
                $"The Docker engine is unreachable at {Engine.Endpoint}: {e.Message}. " +
                (ci
                    ? "CI is set: the CI script must start dockerd and the test registries first (bash tests/setup/engine.sh)."
                    : "Start it with `bash tests/setup/engine.sh` (or `nohup dockerd >/tmp/dockerd.log 2>&1 &`). These tests fail rather than skip without an engine."),
                e);
        }

        foreach (var image in new[] { Image, Image11 })
        {
            if (await Engine.Images.InspectAsync(image) is null)
            {
                throw new InvalidOperationException($"Test image {image} is missing: run `bash tests/setup/engine.sh` to build it and start the test registries.");
            }
        }
    }

    /// <summary>A fresh project name; everything named or labelled with it is removed at the end.</summary>
    public string NewProject()
    {
        var project = "rtest-" + Guid.NewGuid().ToString("N")[..8];
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

    public async Task DisposeAsync()
    {
        foreach (var project in _projects)
        {
            await CleanUpProjectAsync(project);
        }
        Engine.Dispose();
        foreach (var dir in _tempDirs)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Removes containers, networks and volumes carrying the project label or named "&lt;project&gt;…".</summary>
    public async Task CleanUpProjectAsync(string project)
    {
        var label = new Dictionary<string, IDictionary<string, bool>>
        {
            ["label"] = new Dictionary<string, bool> { [$"{ObservedStateReader.ProjectLabel}={project}"] = true },
        };
        var name = new Dictionary<string, IDictionary<string, bool>>
        {
            ["name"] = new Dictionary<string, bool> { [$"^/?{project}"] = true },
        };

        var containers = (await Client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = label }))
            .Concat(await Client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = name }))
            .Where(c => c.Names.Any(n => n.TrimStart('/').StartsWith(project, StringComparison.Ordinal)) ||
                        (c.Labels?.TryGetValue(ObservedStateReader.ProjectLabel, out var p) == true && p == project))
            .Select(c => c.ID)
            .Distinct();
        foreach (var id in containers)
        {
            await Ignore(() => Client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }));
        }

        var networks = (await Client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = label }))
            .Concat(await Client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = name }))
            .Where(n => n.Name.StartsWith(project, StringComparison.Ordinal) ||
                        (n.Labels?.TryGetValue(ObservedStateReader.ProjectLabel, out var p) == true && p == project))
            .Select(n => n.ID)
            .Distinct();
        foreach (var id in networks)
        {
            await Ignore(() => Client.Networks.DeleteNetworkAsync(id));
        }

        var volumes = ((await Client.Volumes.ListAsync(new VolumesListParameters { Filters = label })).Volumes ?? [])
            .Concat((await Client.Volumes.ListAsync(new VolumesListParameters { Filters = name })).Volumes ?? [])
            .Where(v => v.Name.StartsWith(project, StringComparison.Ordinal) ||
                        (v.Labels?.TryGetValue(ObservedStateReader.ProjectLabel, out var p) == true && p == project))
            .Select(v => v.Name)
            .Distinct();
        foreach (var volume in volumes)
        {
            await Ignore(() => Client.Volumes.RemoveAsync(volume, force: true));
        }
    }

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

[CollectionDefinition(Name)]
public sealed class EngineCollection : ICollectionFixture<EngineFixture>
{
    public const string Name = "docker engine";
}
