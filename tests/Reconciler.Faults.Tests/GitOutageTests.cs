using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Reconciler.Faults.Tests.Infrastructure;

namespace Reconciler.Faults.Tests;

/// <summary>Issue 7 §5: the git remote unreachable for a while.</summary>
public sealed partial class GitOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task With_the_remote_gone_for_a_while_the_daemon_keeps_healing_from_its_mirror_status_shows_the_last_successful_fetch_and_deploys_resume_when_it_is_back()
    {
        await using var s = await Scenario.CreateAsync(output);
        Svc[] Stack(string image) => [new Svc("web", image) { Command = Compose.Httpd, Data = true }, new Svc("worker", image)];
        var first = await s.CommitComposeAsync("1.0", Compose.File(Stack(DockerCli.Image10)));
        var daemon = s.StartDaemon();
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image10, ["worker"] = DockerCli.Image10 }, first);
        await s.WaitSettledAsync(first);
        var token = await s.WriteTokenAsync("web");

        // Some quiet polling first (interval 1s): the remote answers, nothing new. Six unchanged checks,
        // each an interval after the one before, put the head's last move over 5 s in the past, so
        // the assertions below tell "last check" from "last new commit".
        var quiet = await ChecksAsync(daemon, "unchanged");
        await s.WaitAsync("six quiet checks of the remote", async () => await ChecksAsync(daemon, "unchanged") >= quiet + 6, TimeSpan.FromSeconds(60));
        var failedBefore = await ChecksAsync(daemon, "failed");
        var outageStart = DateTimeOffset.UtcNow;
        s.Git.MoveAway();
        try
        {
            await s.WaitAsync("/status reports the fetch failing", async () => (await RepoAsync(daemon)).Error is not null, TimeSpan.FromSeconds(30));

            // The outage lasts: meanwhile drift is still repaired from the local mirror.
            await s.Docker.OkAsync("stop", s.ContainerName("worker"));
            await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image10, ["worker"] = DockerCli.Image10 }, first, TimeSpan.FromSeconds(30));
            // Three failed checks (backing off 2 s, then 4 s) while it lasts, none of them moving last_fetch.
            await s.WaitAsync("three failed checks of the remote", async () => await ChecksAsync(daemon, "failed") >= failedBefore + 3, TimeSpan.FromSeconds(60));
            Assert.True(daemon.Running, "the daemon exited while the remote was gone");

            // /status: the error, and the last successful fetch from before the outage, not moving.
            var repo = await RepoAsync(daemon);
            output.WriteLine($"/status during the outage: last_fetch={repo.LastFetch:O} error={repo.Error}");
            Assert.NotNull(repo.Error);
            Assert.NotNull(repo.LastFetch);
            Assert.True(repo.LastFetch <= outageStart + TimeSpan.FromSeconds(1),
                $"/status last_fetch {repo.LastFetch:O} is after the remote went away at {outageStart:O}");
            Assert.True(repo.LastFetch >= outageStart - TimeSpan.FromSeconds(5),
                $"/status last_fetch {repo.LastFetch:O} is not the last successful contact before {outageStart:O}");

            // reconciler status: the same time — when the daemon last reached the remote, so an operator
            // can tell how stale what runs may be.
            var status = await daemon.StatusAsync();
            output.WriteLine(status);
            var m = LastFetch().Match(status);
            Assert.True(m.Success, "reconciler status shows no last fetch time:\n" + status);
            var shown = DateTimeOffset.ParseExact(m.Groups[1].Value, "yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            Assert.True(shown <= outageStart + TimeSpan.FromSeconds(1), $"status shows a fetch at {shown:O}, after the remote went away at {outageStart:O}");
            await s.AssertAsync(shown >= outageStart - TimeSpan.FromSeconds(5),
                $"reconciler status shows \"last fetch {m.Groups[1].Value}\", but the daemon last reached the remote just before " +
                $"{outageStart:u} (it polled it every second, six times at least, before the outage): the time shown is that of the last fetch " +
                "that moved the head, so during an outage it cannot tell how long the remote has been unreachable");
        }
        finally
        {
            if (Directory.Exists(s.Git.AwayPath)) s.Git.MoveBack();
        }

        // Back: the next commit deploys (after the backoff), without a restart.
        var next = await s.CommitComposeAsync("1.1", Compose.File(Stack(DockerCli.Image11)));
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image11, ["worker"] = DockerCli.Image11 }, next, TimeSpan.FromSeconds(120));
        await s.WaitAsync("/status shows the remote fetched again", async () =>
        {
            var r = await RepoAsync(daemon);
            return r.Error is null && r.LastFetch > outageStart;
        }, TimeSpan.FromSeconds(30));
        await s.AssertTokenAsync(token);
    }

    private sealed record RepoView(DateTimeOffset? LastFetch, string? Error, string? Head);

    private static async Task<RepoView> RepoAsync(DaemonProcess daemon)
    {
        var (code, body) = await daemon.GetAsync("/status");
        if (code != 200) throw new InvalidOperationException($"/status answered {code}: {body}");
        using var doc = JsonDocument.Parse(body);
        var repo = doc.RootElement.GetProperty("repos")[0];
        DateTimeOffset? last = repo.TryGetProperty("last_fetch", out var lf) && lf.ValueKind == JsonValueKind.String ? lf.GetDateTimeOffset() : null;
        string? error = repo.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        string? head = repo.TryGetProperty("head", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
        return new RepoView(last, error, head);
    }

    /// <summary>The daemon's count of remote checks ending <paramref name="result"/> (fetched, unchanged, failed), from <c>/metrics</c>.</summary>
    private static async Task<int> ChecksAsync(DaemonProcess daemon, string result)
    {
        var (code, body) = await daemon.GetAsync("/metrics");
        if (code != 200) throw new InvalidOperationException($"/metrics answered {code}: {body}");
        var m = Regex.Match(body, $@"^reconciler_git_fetches_total\{{repo=""[^""]*"",result=""{result}""\}} (\d+)", RegexOptions.Multiline);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"last fetch (\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)")]
    private static partial Regex LastFetch();
}
