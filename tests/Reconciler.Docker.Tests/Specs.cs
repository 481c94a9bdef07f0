using System.Collections.Immutable;
using Reconciler.Core.Desired;

namespace Reconciler.Docker.Tests;

/// <summary>Small specs for tests, labelled with the project the way compose labels them.</summary>
internal static class Specs
{
    public static ImmutableSortedDictionary<string, string> ProjectLabels(string project, params (string Key, string Value)[] extra)
    {
        var b = ImmutableSortedDictionary.CreateBuilder<string, string>();
        b[ObservedStateReader.ProjectLabel] = project;
        foreach (var (k, v) in extra)
        {
            b[k] = v;
        }
        return b.ToImmutable();
    }

    public static ContainerSpec Container(string project, string name, string image = EngineFixture.Image, string networkMode = "none") => new()
    {
        Name = name,
        Image = image,
        Labels = ProjectLabels(project, ("com.docker.compose.service", "svc")),
        Host = new HostSpec { NetworkMode = networkMode },
    };

    public static NetworkSpec Network(string project, string name) => new()
    {
        Name = name,
        Labels = ProjectLabels(project, ("com.docker.compose.network", "default")),
    };

    public static VolumeSpec Volume(string project, string name) => new()
    {
        Name = name,
        Labels = ProjectLabels(project, ("com.docker.compose.volume", "data")),
    };

    public static async Task<ContainerRuntimeState> WaitAsync(
        IDockerContainerOperations containers, string id, Func<ContainerRuntimeState, bool> until, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        ContainerRuntimeState? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await containers.InspectAsync(id) ?? throw new InvalidOperationException($"container {id} vanished");
            if (until(last))
            {
                return last;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"container {id} did not reach the expected state; last: {last}");
    }
}
