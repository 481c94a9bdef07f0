using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>
/// Files of the repo bind-mounted into containers (the daemon renders each commit under
/// state_dir/stacks/STACK/tree): a container that is not recreated must keep seeing them.
/// </summary>
[Collection(DaemonCollection.Name)]
public sealed class BindMountTests(DaemonFixture fx, ITestOutputHelper output)
{
    [Fact]
    public async Task A_bind_mounted_directory_stays_readable_after_a_commit_that_does_not_touch_it()
    {
        var files = Scenario.Files(Scenario.Compose(webExtra: "    volumes:\n      - ./site:/site:ro"), "1.0");
        files["app/site/index.html"] = "hello from git\n";
        await using var s = Scenario.Create(fx, output, initialFiles: files);
        await s.StartAndDeployAsync();
        var web = Assert.Single(await s.ServiceContainersAsync("web"));
        Assert.Equal("hello from git\n", Exec(web.ID, "cat", "/site/index.html").Stdout);

        // A commit elsewhere in the repo: nothing of web changes, so web is (rightly) not recreated…
        var unrelated = s.Commit("docs", new Dictionary<string, string?> { ["README.md"] = "# infra\n" });
        await s.EventuallyAsync("the daemon has passed over the docs commit", async () =>
            (await s.StackStatusAsync()) is { } j && j.GetProperty("commit").GetString() == unrelated
            && j.GetProperty("outcome").GetString() is "Noop" or "Applied", TimeSpan.FromSeconds(30));
        Assert.Equal(web.ID, Assert.Single(await s.ServiceContainersAsync("web")).ID);

        // …and must still see its files.
        var after = Exec(web.ID, "cat", "/site/index.html");
        Assert.True(after.ExitCode == 0 && after.Stdout == "hello from git\n",
            $"after an unrelated commit, web's bind mount ./site no longer shows the file: exit {after.ExitCode}, " +
            $"stdout \"{after.Stdout}\", stderr \"{after.Stderr.Trim()}\"; ls -la /site: {Exec(web.ID, "ls", "-la", "/site").Stdout}");

        // A commit that changes the mounted files: web shows the new content (recreated or not).
        var edit = s.Commit("new page", new Dictionary<string, string?> { ["app/site/index.html"] = "hello again\n" });
        await s.WaitForPassAsync(edit, "Applied", "Noop");
        await s.EventuallyAsync("web serves the new page", async () =>
        {
            var cs = await s.ServiceContainersAsync("web");
            return cs.Count == 1 && Scenario.IsRunning(cs[0]) && Exec(cs[0].ID, "cat", "/site/index.html").Stdout == "hello again\n";
        }, TimeSpan.FromSeconds(30));
    }

    private static ProcessRunner.Result Exec(string container, params string[] command) =>
        ProcessRunner.Run("docker", ["exec", container, .. command], timeout: TimeSpan.FromSeconds(30));
}
