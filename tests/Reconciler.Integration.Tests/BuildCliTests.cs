using Reconciler.Integration.Tests.Infrastructure;
using static Reconciler.TestSupport.EngineFixture;

namespace Reconciler.Integration.Tests;

/// <summary><c>build:</c> through the command line: apply builds with a progress line, plan shows what a changed file rebuilds.</summary>
public sealed class BuildCliTests(EngineFixture fx) : IClassFixture<EngineFixture>
{
    [Fact]
    public async Task Apply_builds_with_progress_lines_and_a_changed_context_file_plans_a_rebuild_and_a_recreate()
    {
        var stack = new TestStack(fx, "services:\n  web:\n    build: .\n");
        stack.WriteFile("Dockerfile", $"FROM {Image10}\nCOPY page.html /srv/page.html\n");
        stack.WriteFile("page.html", "v1\n");
        string[] project = ["-f", stack.ComposeFile, "-p", stack.Project];

        var apply = await ReconcilerCli.RunAsync(fx, stack.Directory, ["apply", .. project]);
        Assert.True(apply.ExitCode == 0, apply.ToString());
        Assert.Contains($" … build {stack.Project}-web (image missing)", apply.Stdout);
        Assert.Matches($@"build {stack.Project}-web: Step 2/\d+ : COPY page.html /srv/page.html", apply.Stdout);
        Assert.Contains("converged", apply.Stdout);
        var ids = await stack.IdsAsync();

        var inSync = await ReconcilerCli.RunAsync(fx, stack.Directory, ["plan", .. project]);
        Assert.True(inSync.ExitCode == 0, inSync.ToString());

        stack.WriteFile("page.html", "v2\n");
        var plan = await ReconcilerCli.RunAsync(fx, stack.Directory, ["plan", .. project]);
        Assert.True(plan.ExitCode == 2, plan.ToString());
        Assert.Matches(@"\* +build +\S+-web +build inputs changed \([0-9a-f]{12} → [0-9a-f]{12}\)", plan.Stdout);
        Assert.Matches(@"~ web +recreate +\S+-web-1 +image rebuilt", plan.Stdout);

        var again = await ReconcilerCli.RunAsync(fx, stack.Directory, ["apply", .. project]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.NotEqual(ids, await stack.IdsAsync());
    }

    [Fact]
    public async Task A_build_key_the_engines_builder_cannot_serve_fails_plan_with_its_file_and_line()
    {
        var stack = new TestStack(fx, "services:\n  web:\n    build:\n      context: .\n      ssh: [default]\n");
        stack.WriteFile("Dockerfile", $"FROM {Image10}\n");

        var plan = await ReconcilerCli.RunAsync(fx, stack.Directory, ["plan", "-f", stack.ComposeFile, "-p", stack.Project]);

        Assert.True(plan.ExitCode == 1, plan.ToString());
        Assert.Contains($"{stack.ComposeFile}:5:7: services.web.build.ssh: not supported", plan.Stderr);
    }
}
