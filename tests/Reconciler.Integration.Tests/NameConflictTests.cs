// Docker.DotNet's inspect models mark most members nullable; a missing one fails the test anyway.
#nullable disable warnings
using Docker.DotNet.Models;
using Reconciler.Core.Planning;
using Reconciler.Integration.Tests.Infrastructure;
using static Reconciler.TestSupport.EngineFixture;

namespace Reconciler.Integration.Tests;

/// <summary>A container Reconciler did not create holds a name the project wants: report it, never touch it.</summary>
public sealed class NameConflictTests(EngineFixture fx) : IClassFixture<EngineFixture>
{
    private static string Yaml => $$"""
        services:
          web:
            image: {{Image10}}
          db:
            image: {{Image10}}
        """;

    /// <summary>A plain <c>docker run --name &lt;project&gt;-web-1</c>: no labels at all.</summary>
    private async Task<string> SquatAsync(string name)
    {
        var created = await fx.Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = name,
            Image = Image20,
            HostConfig = new HostConfig { NetworkMode = "none" },
        });
        await fx.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        return created.ID;
    }

    private async Task AssertUntouchedAsync(string id, string name)
    {
        var after = await fx.Client.Containers.InspectContainerAsync(id);
        Assert.Equal("/" + name, after.Name);
        Assert.True(after.State.Running, "the unmanaged container was stopped");
        Assert.Equal(Image20, after.Config.Image);
        Assert.DoesNotContain(after.Config.Labels ?? new Dictionary<string, string>(), l => l.Key.StartsWith("com.docker.compose.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unmanaged_container_holding_a_wanted_name_is_reported_and_left_alone()
    {
        var stack = new TestStack(fx, Yaml);
        var name = stack.NameOf("web");
        var squatter = await SquatAsync(name);

        var desired = stack.Desired();
        var plan = await stack.PlanAsync(desired);
        var problem = Assert.Single(plan.Problems);
        Assert.Equal(ProblemKind.NameConflict, problem.Kind);
        Assert.Equal(ProblemSeverity.Error, problem.Severity);
        Assert.Equal("web", problem.Service);
        Assert.Equal(name, problem.Subject);
        Assert.True(plan.IsBlocked);
        Assert.False(plan.IsInSync);
        Assert.DoesNotContain(plan.Actions.OfType<ContainerAction>(), a => a.ContainerName == name);
        Assert.DoesNotContain(plan.Actions, a => a is RemoveContainer or StopContainer or RecreateContainer or RenameContainer);

        // Even a caller that runs a blocked plan anyway only brings up the rest.
        var result = await stack.ExecuteAsync(plan);
        Assert.True(result.Succeeded);
        await AssertUntouchedAsync(squatter, name);
        Assert.Equal("running", (await stack.ContainersAsync())[stack.NameOf("db")].State);

        // And the next plan says the same thing again.
        var again = await stack.PlanAsync();
        Assert.Equal(ProblemKind.NameConflict, Assert.Single(again.Problems).Kind);
        Assert.Empty(again.Actions);
    }

    [Fact]
    public async Task Cli_apply_refuses_a_blocked_plan_and_leaves_the_container_alone()
    {
        var stack = new TestStack(fx, Yaml);
        var name = stack.NameOf("web");
        var squatter = await SquatAsync(name);

        var apply = await ReconcilerCli.RunAsync(fx, stack.Directory, "apply", "-f", stack.ComposeFile, "-p", stack.Project);

        Assert.True(apply.ExitCode == 1, apply.ToString());
        Assert.Contains(name, apply.Stderr);
        await AssertUntouchedAsync(squatter, name);
        Assert.Empty(await stack.ContainersAsync()); // a blocked plan is not applied at all
    }

    /// <summary><c>reconciler plan</c> documents exit 0 as "in sync": a blocked plan is not.</summary>
    [Fact]
    public async Task Cli_plan_does_not_report_in_sync_when_a_wanted_name_is_taken()
    {
        var stack = new TestStack(fx, Yaml);
        await stack.ApplyAsync();
        var web = stack.NameOf("web");
        await fx.Client.Containers.RemoveContainerAsync((await stack.IdsAsync())[web], new ContainerRemoveParameters { Force = true });
        var squatter = await SquatAsync(web);

        var plan = await ReconcilerCli.RunAsync(fx, stack.Directory, "plan", "-f", stack.ComposeFile, "-p", stack.Project);

        Assert.Contains(web, plan.Stdout);
        Assert.True(plan.ExitCode != 0, "a blocked plan exits 0 (\"in sync\"):\n" + plan);
        await AssertUntouchedAsync(squatter, web);
    }
}
