// Docker.DotNet's inspect models mark most members nullable; a missing one fails the test anyway.
#nullable disable warnings
using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using Reconciler.Integration.Tests.Infrastructure;
using static Reconciler.TestSupport.EngineFixture;

namespace Reconciler.Integration.Tests;

/// <summary>What docker compose's own CLI (ps, logs, down) relies on to find and read our containers.</summary>
public sealed class LabelTests(EngineFixture fx) : IClassFixture<EngineFixture>
{
    [Fact]
    public async Task Containers_carry_the_labels_docker_compose_uses()
    {
        var stack = new TestStack(fx, $$"""
            services:
              web:
                image: {{Image10}}
                depends_on:
                  db:
                    condition: service_healthy
                    restart: true
                  cache:
                    condition: service_started
              db:
                image: {{Image10}}
                healthcheck:
                  test: ["CMD", "true"]
                  interval: 1s
                  timeout: 1s
                  retries: 3
                volumes:
                  - data:/data
              cache:
                image: {{Image10}}
            volumes:
              data: {}
            """);
        var desired = stack.Desired();
        await stack.ApplyAsync();

        var containers = await stack.ContainersAsync();
        var web = containers[stack.NameOf("web")];
        var labels = web.Labels;
        Assert.Equal(stack.Project, labels["com.docker.compose.project"]);
        Assert.Equal("web", labels["com.docker.compose.service"]);
        Assert.Equal("1", labels["com.docker.compose.container-number"]);
        Assert.Equal("False", labels["com.docker.compose.oneoff"]);
        Assert.Matches(new Regex("^[0-9a-f]{64}$"), labels["com.docker.compose.config-hash"]);
        Assert.Equal(desired.Services["web"].ConfigHash, labels["com.docker.compose.config-hash"]);
        // compose joins the entries in Go map order: compare them as a set.
        Assert.Equal(
            ["cache:service_started:false", "db:service_healthy:true"],
            labels["com.docker.compose.depends_on"].Split(',').Order(StringComparer.Ordinal));
        Assert.Equal(web.ImageID, labels["com.docker.compose.image"]);
        Assert.Equal("2.26.1", labels["com.docker.compose.version"]);
        Assert.Equal(stack.Directory, labels["com.docker.compose.project.working_dir"]);
        Assert.Equal(stack.ComposeFile, labels["com.docker.compose.project.config_files"]);
        Assert.Equal("", containers[stack.NameOf("db")].Labels["com.docker.compose.depends_on"]);

        // What `docker compose ps` asks the engine for: project and oneoff=False, then per service.
        var ps = await fx.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool>
                {
                    [$"com.docker.compose.project={stack.Project}"] = true,
                    ["com.docker.compose.oneoff=False"] = true,
                },
            },
        });
        Assert.Equal(["cache", "db", "web"], ps.Select(c => c.Labels["com.docker.compose.service"]).Order(StringComparer.Ordinal));
        Assert.All(ps, c =>
        {
            Assert.Equal("running", c.State);
            Assert.Equal($"/{stack.Project}-{c.Labels["com.docker.compose.service"]}-1", Assert.Single(c.Names));
        });

        // `docker compose down` finds the network and the volume by these.
        var network = await fx.Client.Networks.InspectNetworkAsync($"{stack.Project}_default");
        Assert.Equal(stack.Project, network.Labels["com.docker.compose.project"]);
        Assert.Equal("default", network.Labels["com.docker.compose.network"]);
        Assert.Equal("2.26.1", network.Labels["com.docker.compose.version"]);
        var volume = await fx.Client.Volumes.InspectAsync($"{stack.Project}_data");
        Assert.Equal(stack.Project, volume.Labels["com.docker.compose.project"]);
        Assert.Equal("data", volume.Labels["com.docker.compose.volume"]);
        Assert.Equal("2.26.1", volume.Labels["com.docker.compose.version"]);
    }
}
