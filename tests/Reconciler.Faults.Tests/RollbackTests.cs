using Reconciler.Faults.Tests.Infrastructure;

namespace Reconciler.Faults.Tests;

/// <summary>Issue 7 §1–2: a commit whose container exits at once is rolled back to the last good commit's exact image, and held.</summary>
public sealed class RollbackTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_commit_whose_container_exits_at_once_is_rolled_back_to_the_same_image_id_recorded_and_not_retried_and_a_newer_good_commit_deploys()
    {
        await using var s = await Scenario.CreateAsync(output);
        var (good, daemon) = await s.DeployFirstAsync("web 1.1", new Svc("web", DockerCli.Image11) { Command = Compose.Httpd, Data = true });
        var before = await s.ServiceContainerAsync("web");
        var token = await s.WriteTokenAsync("web");
        Assert.Contains("busybox 1.1", await s.Docker.OkAsync("exec", before.Name, "wget", "-qO-", "http://127.0.0.1:8080/"));

        // The fault: a new image whose command exits at once with code 3.
        var bad = await s.CommitComposeAsync("web 2.0 that crashes", Compose.File(new Svc("web", DockerCli.Image20) { Command = Compose.ExitAtOnce, Data = true }));
        await s.WaitAsync("the bad commit recorded as rolled back", async () =>
            (await daemon.HistoryAsync()).Any(h => bad.StartsWith(h.Commit, StringComparison.Ordinal) && h.Result is "rolled_back" or "rolledback"),
            TimeSpan.FromSeconds(90));
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image11 }, good);

        // The previous version serves again, on the very image id it ran before.
        var after = await s.ServiceContainerAsync("web");
        Assert.Equal(before.ImageId, after.ImageId);
        // Pinned by repository digest, so docker ps and the dashboards still name the image.
        Assert.StartsWith(DockerCli.Image11[..DockerCli.Image11.LastIndexOf(':')] + "@sha256:", after.ConfigImage);
        Assert.Contains("busybox 1.1", await s.Docker.OkAsync("exec", after.Name, "wget", "-qO-", "http://127.0.0.1:8080/"));

        var history = await daemon.HistoryAsync();
        var badRows = history.Where(h => bad.StartsWith(h.Commit, StringComparison.Ordinal)).ToList();
        Assert.Single(badRows);
        Assert.Contains("exited with code 3", badRows[0].Error ?? "");

        var status = await daemon.StatusAsync();
        Assert.Contains("web", status);
        Assert.Contains("exited with code 3", status);
        Assert.Contains(bad[..12], status);
        Assert.Contains($"last good: {good[..12]}", status);

        // Not retried: over three more passes no new deployment of it and the container is untouched.
        await s.WaitForMorePassesAsync(3);
        var later = await daemon.HistoryAsync();
        Assert.Equal(badRows.Count, later.Count(h => bad.StartsWith(h.Commit, StringComparison.Ordinal)));
        var still = await s.ServiceContainerAsync("web");
        Assert.Equal(after.Id, still.Id);
        Assert.True(still.Running && still.RestartCount == 0, $"the rolled-back container was disturbed: {still}");
        Assert.DoesNotContain(later, h => h.Result is "in_progress");

        // Visible as a rollback and a held commit, its failure counted once, not once per drift pass.
        var (_, metrics) = await daemon.GetAsync("/metrics");
        Assert.Contains($"reconciler_rollbacks_total{{stack=\"{s.Project}\"}} 1", metrics);
        Assert.Contains($"reconciler_stack_held{{stack=\"{s.Project}\"}} 1", metrics);
        Assert.Contains($"reconciler_stack_errors_total{{stack=\"{s.Project}\",phase=\"health\"}} 1", metrics);
        Assert.Contains($"reconciler_stack_errors_total{{stack=\"{s.Project}\",phase=\"load\"}} 0", metrics);
        Assert.Contains("sync_status=\"failed\"", metrics);

        // A newer good commit deploys normally.
        var next = await s.CommitComposeAsync("web 2.0 that works", Compose.File(new Svc("web", DockerCli.Image20) { Command = Compose.Httpd, Data = true }));
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image20 }, next);
        var deployed = await s.ServiceContainerAsync("web");
        Assert.Contains("busybox 2.0", await s.Docker.OkAsync("exec", deployed.Name, "wget", "-qO-", "http://127.0.0.1:8080/"));
        await s.WaitAsync("the good commit recorded as applied", async () =>
            (await daemon.HistoryAsync()).Any(h => next.StartsWith(h.Commit, StringComparison.Ordinal) && h.Result == "applied"), TimeSpan.FromSeconds(30));
        await s.WaitAsync("status in sync at the new commit", async () =>
        {
            var st = await daemon.StatusAsync();
            return st.Contains($"deployed:  {next[..12]}") && st.Contains("in sync") && !st.Contains("not retried");
        }, TimeSpan.FromSeconds(30));

        await s.AssertTokenAsync(token);
        await s.WaitAsync("no longer held", async () => (await daemon.GetAsync("/metrics")).Body.Contains($"reconciler_stack_held{{stack=\"{s.Project}\"}} 0", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        // Last, as it is only the spelling: history prints the result as the store names it.
        Assert.True(badRows[0].Result == "rolled_back",
            $"history should spell the result rolled_back (the state store's name for it), not \"{badRows[0].Result}\":\n{badRows[0].Line}");
    }

    [Fact]
    public async Task A_crash_looping_commit_with_a_restart_policy_is_rolled_back_and_its_data_kept()
    {
        await using var s = await Scenario.CreateAsync(output);
        var (good, daemon) = await s.DeployFirstAsync("worker 1.0", new Svc("worker", DockerCli.Image10) { Data = true });
        var token = await s.WriteTokenAsync("worker");

        // restart: always turns the crash into a restart loop; the gate must still see it.
        var yaml = Compose.File(new Svc("worker", DockerCli.Image11) { Command = Compose.ExitAtOnce, Data = true })
            .Replace("    image: " + DockerCli.Image11 + "\n", "    image: " + DockerCli.Image11 + "\n    restart: always\n", StringComparison.Ordinal);
        var bad = await s.CommitComposeAsync("worker 1.1 crash loop", yaml);
        await s.WaitAsync("the crash-looping commit rolled back", async () =>
            (await daemon.HistoryAsync()).Any(h => bad.StartsWith(h.Commit, StringComparison.Ordinal) && h.Result is "rolled_back" or "rolledback"),
            TimeSpan.FromSeconds(90));
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["worker"] = DockerCli.Image10 }, good);
        var status = await daemon.StatusAsync();
        Assert.Contains("worker", status);
        Assert.Matches("exit(ed with)? code 3|restart", status);
        await s.AssertTokenAsync(token);
    }
}
