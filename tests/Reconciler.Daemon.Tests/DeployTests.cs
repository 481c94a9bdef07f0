using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>
/// Commits flowing to the host: first start, a tag bump in <c>.env</c>, <c>git revert</c>, a broken
/// commit that must not touch what runs, and services deleted from git with and without prune.
/// </summary>
[Collection(DaemonCollection.Name)]
public sealed class DeployTests(DaemonFixture fx, ITestOutputHelper output)
{
    /// <summary>Generous: one poll interval (1 s) + pull + recreate + slack for a loaded CI machine.</summary>
    private static readonly TimeSpan DeployBound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_bare_repo_on_disk_is_deployed_at_first_start_a_tag_bump_runs_within_one_interval_and_a_revert_brings_the_previous_image_back()
    {
        await using var s = Scenario.Create(fx, output);
        var started = Stopwatch.StartNew();
        var daemon = s.StartDaemon();

        // First start: ready, then both services running, labelled with the commit.
        await s.WaitReadyAsync(daemon);
        using (var ready = await s.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready!.StatusCode);
            Assert.Equal("ready", (await ready.Content.ReadAsStringAsync()).Trim());
        }
        using (var health = await s.GetAsync("healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health!.StatusCode);
        }
        await s.WaitForCommitAsync(s.InitialCommit, ["web", "worker"]);
        s.Log($"[figure] first start → web and worker running at the initial commit: {started.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal(Scenario.Image("1.0"), (await s.ServiceContainersAsync("web"))[0].Image);
        var worker = (await s.ServiceContainersAsync("worker"))[0].ID;

        // A commit changing APP_TAG in .env: running within one interval plus the recreate.
        var bump = s.Commit("web 1.1", new Dictionary<string, string?> { ["app/.env"] = Scenario.Env("1.1") });
        var took = await s.WaitForImageAsync("web", Scenario.Image("1.1"), DeployBound + TimeSpan.FromSeconds(40));
        s.Log($"[figure] git push (APP_TAG 1.0 → 1.1) → new web container running: {took.TotalSeconds:0.00} s (interval 1 s)");
        Assert.True(took < DeployBound, $"the tag bump took {took.TotalSeconds:0.0}s to run, over the {DeployBound.TotalSeconds:0}s bound\n{await s.DescribeAsync()}");
        var web = (await s.ServiceContainersAsync("web"))[0];
        Assert.Equal(bump, web.Labels[DaemonFixture.CommitLabel]);
        var workerNow = Assert.Single(await s.ServiceContainersAsync("worker"));
        Assert.Equal(worker, workerNow.ID); // only the changed service is recreated

        // git revert of that commit: the previous image comes back.
        var revert = s.Origin.Revert(bump);
        var back = await s.WaitForImageAsync("web", Scenario.Image("1.0"), DeployBound + TimeSpan.FromSeconds(40));
        s.Log($"[figure] git revert → web back on 1.0: {back.TotalSeconds:0.00} s");
        Assert.True(back < DeployBound, $"the revert took {back.TotalSeconds:0.0}s, over the {DeployBound.TotalSeconds:0}s bound");
        await s.WaitForCommitAsync(revert, ["web"]);

        // The record: three applied deployments, newest first.
        var history = await s.SettledHistoryAsync();
        var applied = history.Split('\n').Where(l => l.Contains(" applied ", StringComparison.Ordinal)).ToList();
        Assert.True(applied.Count == 3, history);
        Assert.Contains(revert[..12], applied[0]);
        Assert.Contains(bump[..12], applied[1]);
        Assert.Contains(s.InitialCommit[..12], applied[2]);
    }

    public static TheoryData<string, string, int> BrokenYaml => new()
    {
        // name, compose.yaml, the line the error must point at
        { "bad indentation", "services:\n  web:\n    image: x\n   bad: 1\n", 4 },
        { "unclosed flow sequence", "services:\n  web:\n    image: [unclosed\n  worker:\n    image: x\n", 3 },
    };

    [Theory]
    [MemberData(nameof(BrokenYaml))]
    public async Task A_broken_yaml_commit_leaves_containers_untouched_status_shows_file_line_and_commit_and_the_next_good_commit_deploys(string name, string compose, int line)
    {
        await using var s = Scenario.Create(fx, output);
        await s.StartAndDeployAsync();
        var before = await s.RunningIdsAsync();

        var broken = s.Commit($"broken yaml: {name}", new Dictionary<string, string?> { ["app/compose.yaml"] = compose });
        DaemonProcess.CliResult status = null!;
        await s.EventuallyAsync("reconciler status reports the broken commit", async () =>
        {
            status = await s.CliAsync("status");
            return status.ExitCode == 0 && status.Stdout.Contains(broken, StringComparison.Ordinal) && status.Stdout.Contains("error:", StringComparison.Ordinal);
        }, Scenario.DefaultWait);
        s.Log(status.Stdout);
        var errorLine = status.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("error:", StringComparison.Ordinal));
        // file:line of the mistake, relative to the repo root, and the commit it was found in.
        Assert.Matches(new Regex($@"app/compose\.yaml:{line}\b"), errorLine);
        Assert.Contains($"commit {broken}", errorLine);
        Assert.Contains("failed", status.Stdout);

        // /status says the same.
        var json = await s.StackStatusAsync();
        Assert.NotNull(json);
        Assert.Equal(broken, json.Value.GetProperty("commit").GetString());
        Assert.Matches(new Regex($@"app/compose\.yaml:{line}\b"), json.Value.GetProperty("error").GetString() ?? "");

        // Containers untouched, through two more drift passes.
        await s.WaitForMorePassesAsync(2);
        Assert.Equal(before, await s.RunningIdsAsync());

        // The next good commit deploys.
        var good = s.Commit("fixed", Scenario.Files(Scenario.Compose(), "1.1"));
        await s.WaitForImageAsync("web", Scenario.Image("1.1"), DeployBound + TimeSpan.FromSeconds(40));
        await s.WaitForCommitAsync(good, ["web"]);
        await s.EventuallyAsync("reconciler status shows the good commit in sync, without the error", async () =>
        {
            status = await s.CliAsync("status");
            return status.Stdout.Contains("in sync", StringComparison.Ordinal) && !status.Stdout.Contains("error:", StringComparison.Ordinal)
                && status.Stdout.Contains(good[..12], StringComparison.Ordinal);
        }, Scenario.DefaultWait);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_service_deleted_from_git_is_removed_with_prune_and_kept_without_it(bool prune)
    {
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { Prune = prune });
        await s.StartAndDeployAsync();
        var web = (await s.ServiceContainersAsync("web"))[0].ID;

        var removal = s.Commit("drop worker", new Dictionary<string, string?> { ["app/compose.yaml"] = Scenario.Compose(withWorker: false) });
        if (prune)
        {
            var watch = Stopwatch.StartNew();
            await s.EventuallyAsync("worker's container removed", async () => (await s.ServiceContainersAsync("worker")).Count == 0, DeployBound);
            s.Log($"[figure] git push (worker deleted) → container removed: {watch.Elapsed.TotalSeconds:0.00} s");
        }
        else
        {
            await s.EventuallyAsync("the daemon has passed over the commit", async () =>
                (await s.StackStatusAsync()) is { } j && j.GetProperty("commit").GetString() == removal
                && j.GetProperty("outcome").GetString() is "Noop" or "Applied", DeployBound);
            await s.WaitForMorePassesAsync(2);
            var worker = Assert.Single(await s.ServiceContainersAsync("worker"));
            Assert.True(Scenario.IsRunning(worker), $"worker is {worker.State}");
        }
        var webNow = Assert.Single(await s.ServiceContainersAsync("web"));
        Assert.Equal(web, webNow.ID);
        Assert.True(Scenario.IsRunning(webNow));
    }
}
