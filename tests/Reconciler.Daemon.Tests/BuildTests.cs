using System.Text.RegularExpressions;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>
/// Services built from the repo (<c>build:</c>) by the daemon, on the real engine's builder: the
/// first deploy builds, a commit changing a file of one service's context rebuilds and recreates
/// that service only, a commit changing nothing a build reads builds nothing, and a broken
/// Dockerfile fails its commit without touching what runs.
/// </summary>
[Collection(DaemonCollection.Name)]
public sealed class BuildTests(DaemonFixture fx, ITestOutputHelper output)
{
    private static string Dockerfile(string copy, string extra = "") =>
        $"FROM {DaemonFixture.ImageRepo}:1.0\nCOPY {copy} /srv/{copy}\n{extra}";

    private static Dictionary<string, string?> Stack() => new()
    {
        ["app/compose.yaml"] = "services:\n  web:\n    build: web\n  worker:\n    build:\n      context: worker\n",
        ["app/web/Dockerfile"] = Dockerfile("index.html"),
        ["app/web/index.html"] = "<h1>v1</h1>\n",
        ["app/worker/Dockerfile"] = Dockerfile("job.sh"),
        ["app/worker/job.sh"] = "echo working\n",
        ["app/README.md"] = "the shop\n",
    };

    [Fact]
    public async Task A_stack_with_build_deploys_rebuilds_only_the_service_whose_context_changed_builds_nothing_for_other_commits_and_a_broken_Dockerfile_leaves_what_runs_untouched()
    {
        var s = Scenario.Create(fx, output, new ScenarioOptions { DriftInterval = "2s" }, Stack());
        try
        {
            await RunAsync(s);
        }
        finally
        {
            await s.DisposeAsync(); // containers first: an image a container uses cannot be removed
            await EngineFixture.RemoveBuiltImagesAsync(fx.Client, s.Project);
        }
    }

    private async Task RunAsync(Scenario s)
    {
        var daemon = await s.StartAndDeployAsync("web", "worker");
        var buildWeb = $"action=\"build {s.Project}-web\"";
        var buildWorker = $"action=\"build {s.Project}-worker\"";
        Assert.True(Count(daemon.Output, buildWeb) == 1 && Count(daemon.Output, buildWorker) == 1, $"expected one build of each:\n{daemon.Output}");
        // The builder's output is in the daemon's log, line by line.
        Assert.Matches(new Regex($@"build {s.Project}-web: Step 1/\d+ : FROM "), daemon.Output);
        var web = Assert.Single(await s.ServiceContainersAsync("web"));
        Assert.Equal($"{s.Project}-web", web.Image);
        var worker = Assert.Single(await s.ServiceContainersAsync("worker"));

        // A file of web's context changes: web is rebuilt and recreated, worker is neither.
        var page = s.Commit("web: new page", new Dictionary<string, string?> { ["app/web/index.html"] = "<h1>v2</h1>\n" });
        await s.WaitForCommitAsync(page, ["web"]);
        await s.WaitForPassAsync(page, "Applied");
        var webNow = Assert.Single(await s.ServiceContainersAsync("web"));
        Assert.NotEqual(web.ID, webNow.ID);
        Assert.NotEqual(web.ImageID, webNow.ImageID);
        var workerNow = Assert.Single(await s.ServiceContainersAsync("worker"));
        Assert.Equal((worker.ID, worker.ImageID), (workerNow.ID, workerNow.ImageID));
        Assert.True(Count(daemon.Output, buildWeb) == 2 && Count(daemon.Output, buildWorker) == 1, $"expected web built again, worker not:\n{daemon.Output}");
        Assert.Contains("reason=\"image rebuilt\"", daemon.Output);

        // A commit that changes no file any build reads: nothing is built, nothing recreated.
        var ids = await s.RunningIdsAsync();
        var docs = s.Commit("docs", new Dictionary<string, string?> { ["app/README.md"] = "the shop, documented\n" });
        await s.WaitForPassAsync(docs, "Noop", "Applied");
        await s.WaitForMorePassesAsync(2);
        Assert.Equal(ids, await s.RunningIdsAsync());
        Assert.True(Count(daemon.Output, buildWeb) == 2 && Count(daemon.Output, buildWorker) == 1, $"a commit outside the contexts built something:\n{daemon.Output}");

        // A broken Dockerfile: the commit fails with the builder's words, and nothing that runs is touched.
        var broken = s.Commit("web: broken build", new Dictionary<string, string?>
        {
            ["app/web/Dockerfile"] = Dockerfile("index.html", "RUN echo compiling && exit 3\n"),
            ["app/worker/job.sh"] = "echo working harder\n",
        });
        string? error = null;
        await s.EventuallyAsync("/status reports the broken commit failed", async () =>
            (error = FailedAt(await s.StackStatusAsync(), broken)) is not null, Scenario.DefaultWait);
        Assert.Matches(new Regex(@"web: build image '[^']+-web' failed: .*returned a non-zero code: 3"), error);
        await s.WaitForMorePassesAsync(3);
        Assert.Equal(ids, await s.RunningIdsAsync());
        // worker's context changed too, and its build succeeded; its container still runs the old image:
        // no container moves before every build of the commit has succeeded.
        Assert.Equal(workerNow.ImageID, Assert.Single(await s.ServiceContainersAsync("worker")).ImageID);
        // A commit that is the commit's own fault is not retried: one failed build, not one per drift pass.
        Assert.True(Count(daemon.Output, $"{buildWeb} failed") == 1, $"the broken build was retried:\n{daemon.Output}");
        var cli = await s.CliAsync("status");
        Assert.Contains(broken, cli.Stdout);
        Assert.Contains("non-zero code: 3", cli.Stdout);
    }

    /// <summary>The error of the pass at <paramref name="commit"/> that failed, in /status (the latest pass, or the last change); null if none.</summary>
    private static string? FailedAt(System.Text.Json.JsonElement? stack, string commit)
    {
        if (stack is not { } j) return null;
        foreach (var pass in new[] { j, j.TryGetProperty("last_change", out var change) ? change : default })
        {
            if (pass.ValueKind == System.Text.Json.JsonValueKind.Object && pass.GetProperty("commit").GetString() == commit
                && pass.GetProperty("outcome").GetString() == "Failed")
                return pass.TryGetProperty("error", out var e) ? e.GetString() ?? "" : "";
        }
        return null;
    }

    private static int Count(string text, string what) => Regex.Matches(text, Regex.Escape(what)).Count;
}
