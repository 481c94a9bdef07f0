using Reconciler.Integration.Tests.Infrastructure;
using static Reconciler.TestSupport.EngineFixture;

namespace Reconciler.Integration.Tests;

/// <summary>The same loop through the real command line: <c>reconciler plan</c> and <c>reconciler apply</c>.</summary>
public sealed class CliTests(EngineFixture fx) : IClassFixture<EngineFixture>
{
    [Fact]
    public async Task Plan_apply_plan_through_the_cli_converges_and_then_reports_in_sync()
    {
        var stack = new TestStack(fx, $$"""
            services:
              web:
                image: {{Image10}}
                depends_on:
                  db:
                    condition: service_healthy
              db:
                image: {{Image11}}
                healthcheck:
                  test: ["CMD-SHELL", "test -f /VERSION"]
                  interval: 1s
                  timeout: 1s
                  retries: 5
            """);
        string[] project = ["-f", stack.ComposeFile, "-p", stack.Project];

        var before = await ReconcilerCli.RunAsync(fx, stack.Directory, ["plan", .. project]);
        Assert.True(before.ExitCode == 2, before.ToString());
        Assert.Contains(stack.NameOf("web"), before.Stdout);
        Assert.Contains(stack.NameOf("db"), before.Stdout);

        var apply = await ReconcilerCli.RunAsync(fx, stack.Directory, ["apply", .. project]);
        Assert.True(apply.ExitCode == 0, apply.ToString());
        Assert.Contains("converged", apply.Stdout);
        var ids = await stack.IdsAsync();
        Assert.All((await stack.ContainersAsync()).Values, c => Assert.Equal("running", c.State));

        var after = await ReconcilerCli.RunAsync(fx, stack.Directory, ["plan", .. project]);
        Assert.True(after.ExitCode == 0, after.ToString());
        var again = await ReconcilerCli.RunAsync(fx, stack.Directory, ["apply", .. project]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("in sync", again.Stdout);
        Assert.Equal(ids, await stack.IdsAsync());

        // What the in-process loop reads from the CLI's containers is in sync too.
        Assert.True((await stack.PlanAsync()).IsEmpty);
    }
}
