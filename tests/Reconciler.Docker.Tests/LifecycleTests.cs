// Docker.DotNet's inspect models mark most members nullable; a missing one fails the test anyway.
#nullable disable warnings
using System.Collections.Immutable;
using Docker.DotNet.Models;

namespace Reconciler.Docker.Tests;

[Collection(EngineCollection.Name)]
public sealed class LifecycleTests(EngineFixture fx)
{
    private DockerEngine Engine => fx.Engine;

    [Fact]
    public async Task Rename_stop_remove_and_the_named_volume_survives()
    {
        var p = fx.NewProject();
        var volume = $"{p}_data";
        await Engine.Volumes.CreateAsync(Specs.Volume(p, volume));
        var spec = Specs.Container(p, $"{p}-web-1") with
        {
            Host = new Core.Desired.HostSpec
            {
                NetworkMode = "none",
                Mounts = [new Core.Desired.MountSpec { Type = "volume", Source = volume, Target = "/data" }],
            },
        };
        var created = await Engine.Containers.CreateAsync(spec);
        await Engine.Containers.StartAsync(created.Id);
        await Engine.Containers.StartAsync(created.Id); // already running: not an error

        await Engine.Containers.RenameAsync(created.Id, $"{p}-web-1_old");
        var renamed = await Engine.Containers.InspectAsync(created.Id);
        Assert.Equal($"{p}-web-1_old", renamed?.Name);

        await Engine.Containers.StopAsync(created.Id, TimeSpan.FromSeconds(5));
        var stopped = await Engine.Containers.InspectAsync(created.Id);
        Assert.Equal("exited", stopped?.Status);
        Assert.Equal(0, stopped?.ExitCode); // the image traps TERM and exits 0
        await Engine.Containers.StopAsync(created.Id); // already stopped: not an error

        await Engine.Containers.RemoveAsync(created.Id);
        Assert.Null(await Engine.Containers.InspectAsync(created.Id));

        // Removing the container never removes the named volume.
        var vol = await fx.Client.Volumes.InspectAsync(volume);
        Assert.Equal(volume, vol.Name);
        Assert.DoesNotContain(typeof(IDockerVolumeOperations).GetMethods(), m => m.Name.Contains("Remove", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_with_a_short_grace_kills_a_container_that_ignores_TERM()
    {
        var p = fx.NewProject();
        var created = await Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-stubborn-1") with
        {
            Entrypoint = ["sh", "-c"],
            Cmd = ["trap '' TERM; while true; do sleep 1; done"],
        });
        await Engine.Containers.StartAsync(created.Id);
        var started = DateTime.UtcNow;
        await Engine.Containers.StopAsync(created.Id, TimeSpan.FromSeconds(1));
        var elapsed = DateTime.UtcNow - started;
        var state = await Engine.Containers.InspectAsync(created.Id);
        Assert.Equal("exited", state?.Status);
        Assert.Equal(137, state?.ExitCode);
        Assert.True(elapsed < TimeSpan.FromSeconds(8), elapsed.ToString());
    }

    [Fact]
    public async Task Remove_force_removes_a_running_container_and_anonymous_volumes_only_when_asked()
    {
        var p = fx.NewProject();
        var spec = Specs.Container(p, $"{p}-anon-1") with
        {
            Host = new Core.Desired.HostSpec
            {
                NetworkMode = "none",
                Mounts = [new Core.Desired.MountSpec { Type = "volume", Target = "/anon" }],
            },
        };

        // removeAnonymousVolumes: false (the default) keeps the anonymous volume.
        var keep = await Engine.Containers.CreateAsync(spec);
        await Engine.Containers.StartAsync(keep.Id);
        var keptVolume = (await fx.Client.Containers.InspectContainerAsync(keep.Id)).Mounts.Single().Name;
        var notForced = await Assert.ThrowsAsync<DockerOperationException>(() => Engine.Containers.RemoveAsync(keep.Id));
        Assert.True(notForced.IsConflict, notForced.Message);
        await Engine.Containers.RemoveAsync(keep.Id, force: true);
        Assert.Null(await Engine.Containers.InspectAsync(keep.Id));
        Assert.Equal(keptVolume, (await fx.Client.Volumes.InspectAsync(keptVolume)).Name);
        await fx.Client.Volumes.RemoveAsync(keptVolume, force: true); // test cleanup: it carries no project label

        var drop = await Engine.Containers.CreateAsync(spec);
        var droppedVolume = (await fx.Client.Containers.InspectContainerAsync(drop.Id)).Mounts.Single().Name;
        await Engine.Containers.RemoveAsync(drop.Id, removeAnonymousVolumes: true);
        var volumes = await fx.Client.Volumes.ListAsync(new VolumesListParameters());
        Assert.DoesNotContain(volumes.Volumes ?? [], v => v.Name == droppedVolume);
    }

    [Fact]
    public async Task Operations_on_a_missing_container_fail_with_not_found()
    {
        Assert.Null(await Engine.Containers.InspectAsync("rtest-no-such-container"));
        var e = await Assert.ThrowsAsync<DockerOperationException>(() => Engine.Containers.StartAsync("rtest-no-such-container"));
        Assert.True(e.IsNotFound, e.Message);
        Assert.Contains("start container 'rtest-no-such-container'", e.Message);
        e = await Assert.ThrowsAsync<DockerOperationException>(() => Engine.Containers.RemoveAsync("rtest-no-such-container"));
        Assert.True(e.IsNotFound, e.Message);
    }

    [Fact]
    public async Task Networks_refuse_duplicates_connect_and_remove()
    {
        var p = fx.NewProject();
        var name = $"{p}_net";
        var id = await Engine.Networks.CreateAsync(Specs.Network(p, name) with
        {
            Internal = true,
            Attachable = true,
            DriverOpts = ImmutableSortedDictionary<string, string>.Empty.Add("com.docker.network.bridge.enable_icc", "true"),
        });
        var dup = await Assert.ThrowsAsync<DockerOperationException>(() => Engine.Networks.CreateAsync(Specs.Network(p, name)));
        Assert.True(dup.IsConflict, dup.Message);
        Assert.Contains(name, dup.Message);

        var n = await fx.Client.Networks.InspectNetworkAsync(id);
        Assert.Equal((name, true, true), (n.Name, n.Internal, n.Attachable));
        Assert.Equal("true", n.Options["com.docker.network.bridge.enable_icc"]);
        Assert.Equal(p, n.Labels[ObservedStateReader.ProjectLabel]);

        var c = await Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-web-1", networkMode: "bridge"));
        await Engine.Containers.ConnectNetworkAsync(c.Id, name, new Core.Desired.EndpointSpec { Aliases = ["late"] });
        await Engine.Containers.StartAsync(c.Id);
        var inspected = await fx.Client.Containers.InspectContainerAsync(c.Id);
        Assert.Contains("late", inspected.NetworkSettings.Networks[name].Aliases);

        var inUse = await Assert.ThrowsAsync<DockerOperationException>(() => Engine.Networks.RemoveAsync(id));
        Assert.Contains("active endpoints", inUse.Message);
        await Engine.Containers.RemoveAsync(c.Id, force: true);
        await Engine.Networks.RemoveAsync(id);
        var gone = await Assert.ThrowsAsync<DockerOperationException>(() => Engine.Networks.RemoveAsync(id));
        Assert.True(gone.IsNotFound, gone.Message);
    }

    [Fact]
    public async Task Volume_create_keeps_driver_options_and_labels()
    {
        var p = fx.NewProject();
        var name = $"{p}_tmp";
        var spec = Specs.Volume(p, name) with
        {
            DriverOpts = ImmutableSortedDictionary<string, string>.Empty.Add("type", "tmpfs").Add("device", "tmpfs").Add("o", "size=1m"),
        };
        Assert.Equal(name, await Engine.Volumes.CreateAsync(spec));
        var v = await fx.Client.Volumes.InspectAsync(name);
        Assert.Equal("local", v.Driver);
        Assert.Equal("tmpfs", v.Options["type"]);
        Assert.Equal(p, v.Labels[ObservedStateReader.ProjectLabel]);
    }

    [Fact]
    public async Task Events_stream_reports_the_projects_container_events_only()
    {
        var p = fx.NewProject();
        var other = fx.NewProject();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new List<ContainerEvent>();
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);

        var watch = Task.Run(async () =>
        {
            await foreach (var ev in Engine.Events.ContainerEventsAsync(p, since, cts.Token))
            {
                lock (seen)
                {
                    seen.Add(ev);
                }
                if (ev.Action == "die")
                {
                    break;
                }
            }
        });

        await Engine.Containers.CreateAsync(Specs.Container(other, $"{other}-noise-1"));
        var c = await Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-job-1") with { Entrypoint = ["sh", "-c"], Cmd = ["exit 3"] });
        await Engine.Containers.StartAsync(c.Id);
        await watch.WaitAsync(cts.Token);

        lock (seen)
        {
            Assert.All(seen, e => Assert.Equal(c.Id, e.ContainerId));
            Assert.Equal(["create", "start", "die"], seen.Select(e => e.Action).Where(a => a is "create" or "start" or "die"));
            var die = seen.Last();
            Assert.Equal(3, die.ExitCode);
            Assert.Equal($"{p}-job-1", die.Name);
            Assert.Equal(p, die.Attributes[ObservedStateReader.ProjectLabel]);
        }
    }
}
