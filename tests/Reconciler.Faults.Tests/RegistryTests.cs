using Reconciler.Faults.Tests.Infrastructure;

namespace Reconciler.Faults.Tests;

/// <summary>Issue 7 §5: the registry unreachable, or the image tag missing — the old container keeps running.</summary>
public sealed class RegistryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task With_a_missing_image_tag_the_old_container_keeps_running_with_the_same_id_and_the_error_is_recorded()
    {
        await using var s = await Scenario.CreateAsync(output);
        var (good, daemon) = await s.DeployFirstAsync("1.0", new Svc("web", DockerCli.Image10) { Command = Compose.Httpd, Data = true });
        var before = await s.ServiceContainerAsync("web");
        var token = await s.WriteTokenAsync("web");

        const string missing = DockerCli.Registry + "/reconciler-test/busybox:9.9";
        var bad = await s.CommitComposeAsync("9.9, which does not exist", Compose.File(new Svc("web", missing) { Command = Compose.Httpd, Data = true }));
        await s.WaitAsync("the pull failure recorded", async () =>
        {
            var st = await daemon.StatusAsync();
            return st.Contains("9.9", StringComparison.Ordinal) && st.Contains(bad[..12], StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(60));

        // Three more passes (drift ticks, or the retry, which is a pass like theirs): the old container still runs, untouched.
        await s.WaitForMorePassesAsync(3);
        var after = await s.ServiceContainerAsync("web");
        Assert.Equal(before.Id, after.Id);
        Assert.True(after.Running, $"the old container stopped: {after}");
        Assert.Equal(before.StartedAt, after.StartedAt);
        Assert.Equal(before.ImageId, after.ImageId);
        Assert.Contains("busybox 1.0", await s.Docker.OkAsync("exec", after.Name, "wget", "-qO-", "http://127.0.0.1:8080/"));

        var status = await daemon.StatusAsync();
        output.WriteLine(status);
        Assert.Contains("busybox:9.9", status);
        Assert.Contains($"deployed:  {good[..12]}", status);
        var rows = (await daemon.HistoryAsync()).Where(h => bad.StartsWith(h.Commit, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal("failed", r.Result));
        Assert.Contains("9.9", rows[0].Error ?? "");
        await s.AssertTokenAsync(token);

        // A missing tag is the commit's own fault, like a broken file (README: "a missing image —
        // nothing is changed, the error is recorded … and that commit is not retried until a newer
        // one arrives"): one history row, not one per retry.
        await s.AssertAsync(rows.Count == 1,
            $"the commit pointing at a missing tag was retried {rows.Count} times over the passes since, one history row each, " +
            $"for as long as it is the head:\n{string.Join("\n", rows.Select(r => r.Line))}");
    }

    [Fact]
    public async Task With_the_registry_unreachable_the_old_container_keeps_running_the_error_is_recorded_and_the_deploy_happens_by_itself_when_the_registry_is_back()
    {
        await using var s = await Scenario.CreateAsync(output);
        var (good, daemon) = await s.DeployFirstAsync("1.0", new Svc("web", DockerCli.Image10) { Command = Compose.Httpd, Data = true });
        var before = await s.ServiceContainerAsync("web");
        var token = await s.WriteTokenAsync("web");

        // A registry address nothing answers yet (connection refused), later forwarded to the test registry.
        await using var registry = new TcpForwarder(LoopbackPort.Free(), 5000);
        var image = $"127.0.0.1:{registry.Port}/reconciler-test/busybox:1.1";
        s.AfterCleanup(async () => await s.Docker.RunAsync("rmi", image));
        var next = await s.CommitComposeAsync("1.1 from a registry that is down", Compose.File(new Svc("web", image) { Command = Compose.Httpd, Data = true }));
        await s.WaitAsync("the pull failure recorded", async () =>
        {
            var st = await daemon.StatusAsync();
            return st.Contains(registry.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) && st.Contains("error:", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(60));
        // While it is down: retried, but at a steady pace (a drift tick every 2 s, a retry 10 s after a
        // failure), not faster and faster. Retries scheduled by failed passes would pile up once the
        // first of them land (10 s in), so wait for 14 more attempts (about 25 s at the steady pace, a
        // condition, not a window: a loaded machine makes it longer, never vacuous), then take the
        // spacing of the last 8 from the daemon's stamped log: 8 attempts in under 10 s is a pile-up.
        // (The retry rule itself is covered in-process by StackWorkerTests, on a fake clock.)
        var attempts = $"action=\"pull {image}\" failed";
        var downSince = DateTime.UtcNow;
        var first = s.Log.Count(attempts);
        await s.WaitAsync("14 more pull attempts", () => Task.FromResult(s.Log.Count(attempts) >= first + 14), TimeSpan.FromSeconds(120));
        var stamps = AttemptTimes(s.Log.Text, attempts);
        var lastEight = stamps[^1] - stamps[^8];
        output.WriteLine($"pull attempts: {stamps.Count} in {(DateTime.UtcNow - downSince).TotalSeconds:0} s down; the last 8 within {lastEight:0.0} s");
        var during = await s.ServiceContainerAsync("web");
        Assert.Equal(before.Id, during.Id);
        Assert.True(during.Running);
        Assert.Equal(before.StartedAt, during.StartedAt);
        output.WriteLine(await daemon.StatusAsync());

        var rows = (await daemon.HistoryAsync()).Count(h => next.StartsWith(h.Commit, StringComparison.Ordinal));

        // The registry is back: the retry deploys the commit, no new commit or restart needed.
        registry.Start();
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = image }, next, TimeSpan.FromSeconds(90));
        Assert.Equal(await s.Docker.ImageIdAsync(DockerCli.Image11), (await s.ServiceContainerAsync("web")).ImageId);
        Assert.True(daemon.Running);
        await s.AssertTokenAsync(token);

        await s.AssertAsync(lastEight >= 10,
            $"while the registry was down the last 8 of {stamps.Count} pulls came within {lastEight:0.0} s " +
            $"({rows} history rows for the commit): retries pile up (every failed pass schedules one more retry on top of the drift ticks)");
    }

    /// <summary>When each line containing <paramref name="needle"/> was printed: the harness's stamp, seconds since the daemon was made.</summary>
    private static List<double> AttemptTimes(string log, string needle) =>
        [.. log.Split('\n')
            .Where(l => l.Contains(needle, StringComparison.Ordinal))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^\[\s*([0-9]+\.[0-9]+)s "))
            .Where(m => m.Success)
            .Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];
}
