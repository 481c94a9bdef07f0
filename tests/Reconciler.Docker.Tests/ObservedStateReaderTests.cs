using System.Collections.Concurrent;
using Docker.DotNet.Models;

namespace Reconciler.Docker.Tests;

[Collection(EngineCollection.Name)]
public sealed class ObservedStateReaderTests(EngineFixture fx)
{
    private DockerEngine Engine => fx.Engine;

    [Fact]
    public async Task Reads_project_objects_and_name_squatters_with_one_list_call_per_kind()
    {
        var p = fx.NewProject();
        var other = fx.NewProject();
        var network = $"{p}_default";
        var volume = $"{p}_data";
        await Engine.Networks.CreateAsync(Specs.Network(p, network) with
        {
            DriverOpts = System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty.Add("com.docker.network.driver.mtu", "1400"),
        });
        await Engine.Volumes.CreateAsync(Specs.Volume(p, volume));

        var web = await Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-web-1", networkMode: network));
        await Engine.Containers.StartAsync(web.Id);
        var stopped = await Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-job-1"));
        // A squatter: holds a wanted name without the project label (here: another project's label).
        var squatter = await Engine.Containers.CreateAsync(Specs.Container(other, $"{p}-db-1"));
        // Near-miss names must not match: the engine's name filter is a regex, "db-1" would match "db-10".
        var nearMiss = await Engine.Containers.CreateAsync(Specs.Container(other, $"{p}-db-10"));
        // Unrelated: another project, unwanted name.
        var unrelated = await Engine.Containers.CreateAsync(Specs.Container(other, $"{other}-web-1"));
        await Engine.Networks.CreateAsync(Specs.Network(other, $"{other}_default"));

        var calls = new ConcurrentQueue<string>();
        var reader = new ObservedStateReader(CountingProxy.Wrap(fx.Client, calls), Engine.Endpoint);
        var state = await reader.ReadAsync(p, [$"{p}-web-1", $"{p}-db-1", $"{p}-cache-1"]);

        Assert.Equal(
            ["Containers.ListContainersAsync", "Containers.ListContainersAsync", "Images.ListImagesAsync", "Networks.ListNetworksAsync", "Volumes.ListAsync"],
            calls.Order(StringComparer.Ordinal));

        Assert.Equal([$"{p}-db-1", $"{p}-job-1", $"{p}-web-1"], state.Containers.Select(c => c.Name));
        var w = state.Containers.Single(c => c.Id == web.Id);
        Assert.Equal("running", w.State);
        Assert.True(w.IsRunning);
        Assert.StartsWith("Up", w.Status);
        Assert.Equal(EngineFixture.Image, w.Image);
        Assert.StartsWith("sha256:", w.ImageId);
        Assert.Equal(p, w.Label(ObservedStateReader.ProjectLabel));
        Assert.Equal("svc", w.Label("com.docker.compose.service"));
        Assert.True(w.Created > DateTimeOffset.UtcNow.AddMinutes(-5) && w.Created <= DateTimeOffset.UtcNow.AddMinutes(1), w.Created.ToString("O"));
        Assert.Equal("created", state.Containers.Single(c => c.Id == stopped.Id).State);
        Assert.Equal(other, state.Containers.Single(c => c.Id == squatter.Id).Label(ObservedStateReader.ProjectLabel));
        Assert.DoesNotContain(state.Containers, c => c.Id == nearMiss.Id || c.Id == unrelated.Id);

        var n = Assert.Single(state.Networks);
        Assert.Equal((network, "bridge", false), (n.Name, n.Driver, n.Internal));
        Assert.Equal(p, n.Labels[ObservedStateReader.ProjectLabel]);
        Assert.Equal("1400", n.Options?["com.docker.network.driver.mtu"]);
        var v = Assert.Single(state.Volumes);
        Assert.Equal((volume, "local"), (v.Name, v.Driver));
        Assert.Equal("data", v.Labels["com.docker.compose.volume"]);

        Assert.True(state.LocalImages.TryGetValue(EngineFixture.Image, out var imageId), "local image list lacks " + EngineFixture.Image);
        Assert.Equal(w.ImageId, imageId);
    }

    [Fact]
    public async Task Without_wanted_names_only_the_label_list_runs()
    {
        var p = fx.NewProject();
        var calls = new ConcurrentQueue<string>();
        var reader = new ObservedStateReader(CountingProxy.Wrap(fx.Client, calls), Engine.Endpoint);
        var state = await reader.ReadAsync(p, []);
        Assert.Empty(state.Containers);
        Assert.Empty(state.Networks);
        Assert.Empty(state.Volumes);
        Assert.Single(calls, c => c == "Containers.ListContainersAsync");
        Assert.Equal(4, calls.Count);
    }

    [Fact]
    public void Primary_name_skips_legacy_link_names()
    {
        Assert.Equal("web-1", ObservedStateReader.PrimaryName(["/db-1/web", "/web-1"]));
        Assert.Equal("web-1", ObservedStateReader.PrimaryName(["/web-1"]));
        Assert.Equal("", ObservedStateReader.PrimaryName([]));
    }

    [Fact]
    public void Name_filter_is_anchored_and_escaped()
    {
        var filter = ObservedStateReader.NameFilter(["app.web-1", "a+b"]);
        Assert.Equal([@"^/?a\+b$", @"^/?app\.web-1$"], filter["name"].Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Local_images_map_tags_and_digests_and_skip_none()
    {
        var images = ObservedStateReader.ToLocalImages(
        [
            new ImagesListResponse { ID = "sha256:a", RepoTags = ["app:1", "app:latest"], RepoDigests = ["app@sha256:d1"] },
            new ImagesListResponse { ID = "sha256:b", RepoTags = ["<none>:<none>"], RepoDigests = ["<none>@<none>"] },
        ]);
        Assert.Equal(["app:1", "app:latest", "app@sha256:d1"], images.Keys);
        Assert.All(images.Values, id => Assert.Equal("sha256:a", id));
    }
}
