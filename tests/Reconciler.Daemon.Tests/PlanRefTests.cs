using System.Text.Json;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary><c>reconciler plan --stack NAME --ref REF</c> next to a running daemon: a pull request's plan before it is merged.</summary>
[Collection(DaemonCollection.Name)]
public sealed class PlanRefTests(DaemonFixture fx, ITestOutputHelper output)
{
    // A bind mount of a file in the repo: its source path is the daemon's rendered tree, so a plan
    // rendered anywhere else would see every commit as a change of it.
    private const string WebExtra = "    volumes: [\"./conf:/conf:ro\"]";

    private static Dictionary<string, string?> Stack(string tag)
    {
        var files = Scenario.Files(Scenario.Compose(webExtra: WebExtra), tag);
        files[$"{Scenario.StackPath}/conf/site.txt"] = "hello\n";
        return files;
    }

    [Fact]
    public async Task A_pull_request_ref_is_planned_against_the_host_without_changing_anything()
    {
        await using var s = Scenario.Create(fx, output, initialFiles: Stack("1.0"));
        await s.StartAndDeployAsync();
        var running = await s.RunningIdsAsync();
        var pr = s.Origin.Commit("web: 1.1", Stack("1.1"), push: false);
        OriginRepository.Git(s.Origin.WorkPath, "push", "--quiet", "origin", "HEAD:refs/pull/7/head");

        var head = await s.CliAsync("plan", "--stack", s.Project);
        var byRef = await s.CliAsync("plan", "--stack", s.Project, "--ref", "refs/pull/7/head");
        var bySha = await s.CliAsync("plan", "--stack", s.Project, "--ref", pr, "--json");
        var branch = await s.CliAsync("plan", "--stack", s.Project, "--ref", "main");

        // The branch head is what runs: in sync, bind mount and all.
        Assert.True(head.ExitCode == 0, head.ToString());
        Assert.Equal($"{s.Project}: in sync\n", head.Stdout);
        Assert.Contains($"plan of stack {s.Project} at infra@{s.InitialCommit[..12]} (refs/heads/main): initial stack", head.Stderr, StringComparison.Ordinal);
        Assert.True(branch.ExitCode == 0, branch.ToString());

        // The pull request changes web's image, and nothing else.
        Assert.True(byRef.ExitCode == 2, byRef.ToString());
        Assert.Contains($"plan of stack {s.Project} at infra@{pr[..12]} (refs/pull/7/head): web: 1.1", byRef.Stderr, StringComparison.Ordinal);
        Assert.Contains($"recreate  {s.Project}-web-1", byRef.Stdout, StringComparison.Ordinal);
        Assert.Contains($"image: {Scenario.Image("1.0")} → {Scenario.Image("1.1")}", byRef.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("worker", byRef.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("/conf", byRef.Stdout, StringComparison.Ordinal);

        Assert.True(bySha.ExitCode == 2, bySha.ToString());
        using (var plan = JsonDocument.Parse(bySha.Stdout))
        {
            Assert.Equal(s.Project, plan.RootElement.GetProperty("project").GetString());
            Assert.Contains(plan.RootElement.GetProperty("actions").EnumerateArray(), a => a.TryGetProperty("service", out var svc) && svc.GetString() == "web");
        }

        // Nothing moved: the same containers run, the branch did not, the daemon did not deploy the ref.
        Assert.Equal(running, await s.RunningIdsAsync());
        Assert.Equal(s.InitialCommit, OriginRepository.Git(s.Origin.BarePath, "rev-parse", "refs/heads/main").Trim());
        await s.WaitForMorePassesAsync(2);
        await s.WaitForCommitAsync(s.InitialCommit, ["web", "worker"]);
    }

    [Fact]
    public async Task An_unknown_ref_or_stack_is_an_error_that_names_it()
    {
        await using var s = Scenario.Create(fx, output);

        var noRef = await s.CliAsync("plan", "--stack", s.Project, "--ref", "refs/pull/99/head");
        var noStack = await s.CliAsync("plan", "--stack", "nope", "--ref", "main");
        var refAlone = await s.CliAsync("plan", "--ref", "main");

        Assert.True(noRef.ExitCode == 1, noRef.ToString());
        Assert.Contains("no branch, tag, ref or commit named 'refs/pull/99/head'", noRef.Stderr, StringComparison.Ordinal);
        Assert.Equal("", noRef.Stdout);
        Assert.True(noStack.ExitCode == 1, noStack.ToString());
        Assert.Contains($"no stack named nope in {s.ConfigPath} (stacks: {s.Project})", noStack.Stderr, StringComparison.Ordinal);
        Assert.True(refAlone.ExitCode == 1, refAlone.ToString());
        Assert.Contains("--ref needs --stack", refAlone.Stderr, StringComparison.Ordinal);
        Assert.Empty(await s.ContainersAsync());
    }
}
