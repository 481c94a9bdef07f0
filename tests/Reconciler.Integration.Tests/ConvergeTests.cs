// Docker.DotNet's inspect models mark most members nullable; a missing one fails the test anyway.
#nullable disable warnings
using Docker.DotNet.Models;
using Reconciler.Core.Planning;
using Reconciler.Docker.Execution;
using Reconciler.Integration.Tests.Infrastructure;
using static Reconciler.TestSupport.EngineFixture;

namespace Reconciler.Integration.Tests;

/// <summary>
/// The converge loop end to end on a real engine: observe → plan → execute, then observe again.
/// </summary>
public sealed class ConvergeTests(EngineFixture fx) : IClassFixture<EngineFixture>
{
    /// <summary>web on two networks after db; db with a named volume; cache on the default network.</summary>
    private static string Shop(string webImage = Image10) => $$"""
        services:
          web:
            image: {{webImage}}
            depends_on: [db]
            networks: [front, back]
          db:
            image: {{Image10}}
            volumes: [data:/data]
            networks: [back]
          cache:
            image: {{Image10}}
        networks:
          front: {}
          back: {}
        volumes:
          data: {}
        """;

    [Fact]
    public async Task A_dependent_is_created_while_its_dependency_turns_healthy_and_started_only_after()
    {
        // As compose up: every container is created first; depends_on conditions gate the start only.
        var stack = new TestStack(fx, $$"""
            services:
              web:
                image: {{Image10}}
                depends_on:
                  db:
                    condition: service_healthy
              db:
                image: {{Image10}}
                healthcheck:
                  test: ["CMD-SHELL", "test -f /tmp/up || (sleep 1; touch /tmp/up; false)"]
                  interval: 1s
                  timeout: 3s
                  retries: 10
            """);

        await stack.ApplyAsync();

        var web = await stack.InspectAsync("web");
        var db = await stack.InspectAsync("db");
        var healthyAt = db.State.Health.Log.Where(l => l.ExitCode == 0).Select(l => l.End).Min();
        Assert.True(web.Created < healthyAt, $"web was created at {web.Created:O}, after db turned healthy at {healthyAt:O}: creation waited for the condition");
        var webStarted = DateTime.Parse(web.State.StartedAt, null, System.Globalization.DateTimeStyles.RoundtripKind);
        Assert.True(webStarted >= healthyAt, $"web started at {webStarted:O}, before db turned healthy at {healthyAt:O}");
        Assert.True((await stack.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task Apply_then_apply_again_plans_nothing()
    {
        var stack = new TestStack(fx, Shop());

        var first = await stack.ApplyAsync();
        Assert.Equal(
            [stack.NameOf("cache"), stack.NameOf("db"), stack.NameOf("web")],
            first.Actions.OfType<CreateContainer>().Select(a => a.ContainerName).Order(StringComparer.Ordinal));
        var ids = await stack.IdsAsync();
        Assert.Equal(3, ids.Count);

        var second = await stack.PlanAsync();
        Assert.True(second.IsEmpty, "the second plan is not empty:\n" + second);
        Assert.True(second.IsInSync, second.ToString());
        Assert.Empty(second.Problems);

        // Applying the empty plan changes nothing: same containers, still running.
        await stack.ApplyAsync();
        Assert.Equal(ids, await stack.IdsAsync());
        Assert.All((await stack.ContainersAsync()).Values, c => Assert.Equal("running", c.State));
    }

    [Fact]
    public async Task Changing_one_services_image_tag_recreates_only_that_service()
    {
        var stack = new TestStack(fx, Shop());
        await stack.ApplyAsync();
        var before = await stack.ContainersAsync();

        stack.WriteCompose(Shop(webImage: Image11));
        var plan = await stack.PlanAsync();
        var recreate = Assert.IsType<RecreateContainer>(Assert.Single(plan.Actions.OfType<ContainerAction>()));
        Assert.Equal("web", recreate.Service);
        Assert.Equal(before[stack.NameOf("web")].ID, recreate.ContainerId);
        Assert.Contains(recreate.Changes, c => c.Path == "image" && c.Before == Image10 && c.After == Image11);
        Assert.Empty(plan.Actions.OfType<PullImage>()); // present locally: pull_policy missing does not pull

        await stack.ApplyAsync();
        var after = await stack.ContainersAsync();

        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        foreach (var service in new[] { "db", "cache" })
        {
            var name = stack.NameOf(service);
            Assert.Equal(before[name].ID, after[name].ID);
            Assert.Equal(before[name].Labels["com.docker.compose.config-hash"], after[name].Labels["com.docker.compose.config-hash"]);
        }
        var web = stack.NameOf("web");
        Assert.NotEqual(before[web].ID, after[web].ID);
        Assert.NotEqual(before[web].Labels["com.docker.compose.config-hash"], after[web].Labels["com.docker.compose.config-hash"]);
        Assert.Equal("running", after[web].State);

        var inspect = await stack.InspectAsync("web");
        Assert.Equal(Image11, inspect.Config.Image);
        Assert.Equal((await fx.Client.Images.InspectImageAsync(Image11)).ID, inspect.Image);
        Assert.Equal("1.1", (await stack.ExecAsync(web, "cat", "/VERSION")).Trim());

        Assert.True((await stack.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task Every_container_an_apply_creates_or_recreates_reports_the_image_it_runs()
    {
        // The daemon records the exact images of a deploy from these, without observing again.
        var stack = new TestStack(fx, Shop());
        var created = await stack.ExecuteAsync(await stack.PlanAsync());
        await AssertImagesReportedAsync(stack, created, expected: 3);

        stack.WriteCompose(Shop(webImage: Image11));
        var recreated = await stack.ExecuteAsync(await stack.PlanAsync());
        await AssertImagesReportedAsync(stack, recreated, expected: 1);
        Assert.Contains(Image11, Assert.Single(recreated.Outcomes, o => o.Action is RecreateContainer).Image.RepoTags);
    }

    private async Task AssertImagesReportedAsync(TestStack stack, ExecutionResult result, int expected)
    {
        Assert.True(result.Succeeded);
        Assert.All(result.Outcomes.Where(o => o.Action is not (CreateContainer or RecreateContainer)), o => Assert.Null(o.Image));
        var creating = result.Outcomes.Where(o => o.Action is CreateContainer or RecreateContainer).ToList();
        Assert.Equal(expected, creating.Count);
        foreach (var outcome in creating)
        {
            var container = await stack.InspectAsync(outcome.Action.Service);
            var image = await fx.Client.Images.InspectImageAsync(container.Config.Image);
            Assert.NotNull(outcome.Image);
            Assert.Equal(container.Image, outcome.Image.Id);
            Assert.Equal(image.RepoTags.Order(StringComparer.Ordinal), outcome.Image.RepoTags.Order(StringComparer.Ordinal));
            Assert.Equal(image.RepoDigests.Order(StringComparer.Ordinal), outcome.Image.RepoDigests.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Pull_policy_always_pulls_from_the_registry_when_creating_and_not_when_in_sync()
    {
        var stack = new TestStack(fx, $$"""
            services:
              app:
                image: {{Image20}}
                pull_policy: always
            """);

        var plan = await stack.ApplyAsync();
        var pull = Assert.Single(plan.Actions.OfType<PullImage>());
        Assert.Equal(Image20, pull.Image);
        Assert.Contains(pull.Id, Assert.Single(plan.Actions.OfType<CreateContainer>()).DependsOn);
        var app = stack.NameOf("app");
        Assert.Equal("2.0", (await stack.ExecAsync(app, "cat", "/VERSION")).Trim());

        // Nothing to create: compose would pull again on `up`, Reconciler only with PullAlways (the daemon's new-commit flag).
        Assert.True((await stack.PlanAsync()).IsEmpty);
        var forced = await stack.PlanAsync(options: new PlanOptions { Now = DateTimeOffset.UtcNow, PullAlways = true });
        Assert.IsType<PullImage>(Assert.Single(forced.Actions));
        var ids = await stack.IdsAsync();
        Assert.True((await stack.ExecuteAsync(forced)).Succeeded);
        Assert.Equal(ids, await stack.IdsAsync()); // same image after the pull: nothing recreated
        Assert.True((await stack.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task A_stopped_container_shows_in_plan_and_apply_starts_it()
    {
        var stack = new TestStack(fx, Shop());
        await stack.ApplyAsync();
        var ids = await stack.IdsAsync();
        var db = stack.NameOf("db");
        await fx.Client.Containers.StopContainerAsync(ids[db], new ContainerStopParameters { WaitBeforeKillSeconds = 10 });

        var plan = await stack.PlanAsync();
        var start = Assert.IsType<StartContainer>(Assert.Single(plan.Actions));
        Assert.Equal(ids[db], start.ContainerId);
        Assert.Equal("db", start.Service);
        Assert.Equal("container stopped", start.Reason);

        await stack.ApplyAsync();
        var after = await stack.ContainersAsync();
        Assert.Equal(ids, after.ToDictionary(kv => kv.Key, kv => kv.Value.ID));
        Assert.Equal("running", after[db].State);
        Assert.True((await stack.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task A_removed_container_is_created_again()
    {
        var stack = new TestStack(fx, Shop());
        await stack.ApplyAsync();
        var ids = await stack.IdsAsync();
        var cache = stack.NameOf("cache");
        await fx.Client.Containers.RemoveContainerAsync(ids[cache], new ContainerRemoveParameters { Force = true, RemoveVolumes = true });

        var plan = await stack.PlanAsync();
        var create = Assert.IsType<CreateContainer>(Assert.Single(plan.Actions));
        Assert.Equal(cache, create.ContainerName);
        Assert.Equal("container missing", create.Reason);

        await stack.ApplyAsync();
        var after = await stack.ContainersAsync();
        Assert.Equal("running", after[cache].State);
        Assert.NotEqual(ids[cache], after[cache].ID);
        Assert.Equal(ids[stack.NameOf("web")], after[stack.NameOf("web")].ID);
        Assert.Equal(ids[stack.NameOf("db")], after[stack.NameOf("db")].ID);
        Assert.True((await stack.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task Editing_a_bind_mounted_config_file_recreates_the_service()
    {
        var stack = new TestStack(fx, $$"""
            services:
              app:
                image: {{Image10}}
                volumes:
                  - ./conf/app.conf:/etc/app.conf:ro
              other:
                image: {{Image10}}
            """);
        stack.WriteFile("conf/app.conf", "version=1\n");
        await stack.ApplyAsync();
        var ids = await stack.IdsAsync();
        var app = stack.NameOf("app");
        Assert.Equal("version=1\n", await stack.ExecAsync(app, "cat", "/etc/app.conf"));
        Assert.True((await stack.PlanAsync()).IsEmpty);

        stack.WriteFile("conf/app.conf", "version=2\n");
        var plan = await stack.PlanAsync();
        var recreate = Assert.IsType<RecreateContainer>(Assert.Single(plan.Actions));
        Assert.Equal("app", recreate.Service);
        Assert.Contains(recreate.Changes, c => c.Path.StartsWith("content:", StringComparison.Ordinal) && c.Path.EndsWith("app.conf", StringComparison.Ordinal));

        await stack.ApplyAsync();
        var after = await stack.IdsAsync();
        Assert.NotEqual(ids[app], after[app]);
        Assert.Equal(ids[stack.NameOf("other")], after[stack.NameOf("other")]);
        Assert.Equal("version=2\n", await stack.ExecAsync(app, "cat", "/etc/app.conf"));
        Assert.True((await stack.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task Editing_a_file_in_a_bind_mounted_directory_recreates_the_service()
    {
        var stack = new TestStack(fx, $$"""
            services:
              site:
                image: {{Image10}}
                volumes:
                  - type: bind
                    source: ./html
                    target: /var/www/html
                    read_only: true
            """);
        stack.WriteFile("html/index.html", "<h1>one</h1>\n");
        stack.WriteFile("html/about/index.html", "<p>about</p>\n");
        await stack.ApplyAsync();
        var before = await stack.IdsAsync();

        stack.WriteFile("html/about/index.html", "<p>about us</p>\n");
        var plan = await stack.PlanAsync();
        Assert.IsType<RecreateContainer>(Assert.Single(plan.Actions));

        await stack.ApplyAsync();
        var site = stack.NameOf("site");
        Assert.NotEqual(before[site], (await stack.IdsAsync())[site]);
        Assert.Equal("<p>about us</p>\n", await stack.ExecAsync(site, "cat", "/var/www/html/about/index.html"));
        Assert.True((await stack.PlanAsync()).IsEmpty);
    }

    [Fact]
    public async Task Named_volume_data_survives_recreate()
    {
        string Yaml(string generation) => $$"""
            services:
              db:
                image: {{Image10}}
                environment:
                  GENERATION: "{{generation}}"
                volumes:
                  - data:/data
            volumes:
              data: {}
            """;
        var stack = new TestStack(fx, Yaml("1"));
        await stack.ApplyAsync();
        var db = stack.NameOf("db");
        var firstId = (await stack.IdsAsync())[db];
        await stack.ExecAsync(db, "sh", "-c", "echo kept-across-recreate > /data/marker");

        stack.WriteCompose(Yaml("2"));
        var plan = await stack.PlanAsync();
        var recreate = Assert.IsType<RecreateContainer>(Assert.Single(plan.Actions));
        Assert.Contains(recreate.Changes, c => c.Path == "environment.GENERATION");
        await stack.ApplyAsync();

        Assert.NotEqual(firstId, (await stack.IdsAsync())[db]);
        Assert.Equal("2", (await stack.ExecAsync(db, "sh", "-c", "echo $GENERATION")).Trim());
        Assert.Equal("kept-across-recreate\n", await stack.ExecAsync(db, "cat", "/data/marker"));
        var volume = await fx.Client.Volumes.InspectAsync($"{stack.Project}_data");
        Assert.Equal(stack.Project, volume.Labels[ProjectLabel]);
    }

    /// <summary>
    /// docker compose hands a recreated container its predecessor's anonymous volumes
    /// (pkg/compose/create.go buildContainerMountOptions, "inherit previous container's anonymous
    /// volume"), so data under a bare <c>volumes: [/path]</c> survives a config change.
    /// </summary>
    [Fact]
    public async Task Anonymous_volume_data_survives_recreate_as_with_compose()
    {
        string Yaml(string generation) => $$"""
            services:
              app:
                image: {{Image10}}
                environment:
                  GENERATION: "{{generation}}"
                volumes:
                  - /scratch
            """;
        var stack = new TestStack(fx, Yaml("1"));
        await stack.ApplyAsync();
        var app = stack.NameOf("app");
        await stack.ExecAsync(app, "sh", "-c", "echo kept > /scratch/marker");
        var before = await stack.InspectAsync("app");

        stack.WriteCompose(Yaml("2"));
        await stack.ApplyAsync();

        var after = await stack.InspectAsync("app");
        Assert.NotEqual(before.ID, after.ID);
        Assert.Equal(
            before.Mounts.Single(m => m.Destination == "/scratch").Name,
            after.Mounts.Single(m => m.Destination == "/scratch").Name);
        Assert.Equal("kept\n", await stack.ExecAsync(app, "cat", "/scratch/marker"));
    }

    /// <summary>compose labels a replacement with the id of the container it replaced (com.docker.compose.replace).</summary>
    [Fact]
    public async Task A_recreated_container_names_the_one_it_replaced_as_compose_does()
    {
        var stack = new TestStack(fx, Shop());
        await stack.ApplyAsync();
        var oldId = (await stack.IdsAsync())[stack.NameOf("web")];

        stack.WriteCompose(Shop(webImage: Image11));
        await stack.ApplyAsync();

        var web = await stack.InspectAsync("web");
        Assert.True(web.Config.Labels.TryGetValue("com.docker.compose.replace", out var replaced),
            "the recreated container has no com.docker.compose.replace label");
        Assert.Equal(oldId, replaced);
    }
}
