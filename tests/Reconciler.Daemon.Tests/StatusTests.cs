using System.Globalization;
using System.Text.RegularExpressions;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>What `reconciler status` and /metrics say about the daemon's contact with its remote.</summary>
[Collection(DaemonCollection.Name)]
public sealed partial class StatusTests(DaemonFixture fx, ITestOutputHelper output)
{
    [Fact]
    public async Task The_last_fetch_in_status_and_metrics_keeps_advancing_while_the_branch_does_not_move()
    {
        // "Polling must never stop silently": a branch nobody pushes to is still checked every
        // interval, and both places an operator looks must show it.
        await using var s = Scenario.Create(fx, output);
        await s.StartAndDeployAsync();
        var status = await LastFetchInStatusAsync(s);
        var metric = await LastFetchMetricAsync(s);
        s.Log($"after the deploy: status says {status:u}, the metric {metric:u}");

        // The interval is 1 s; status prints whole seconds.
        await s.EventuallyAsync("status and the metric show a later successful check of the unchanged branch", async () =>
            await LastFetchInStatusAsync(s) > status.AddSeconds(1) && await LastFetchMetricAsync(s) > metric.AddSeconds(1),
            TimeSpan.FromSeconds(20));
        Assert.Equal(s.InitialCommit, s.Origin.Head()); // nothing was pushed meanwhile
    }

    private static async Task<DateTimeOffset> LastFetchInStatusAsync(Scenario s)
    {
        var result = await s.CliAsync("status");
        Assert.True(result.ExitCode == 0, result.ToString());
        var match = LastFetchLine().Match(result.Stdout);
        Assert.True(match.Success, $"no \"last fetch <time>\" in:\n{result.Stdout}");
        return DateTimeOffset.ParseExact(match.Groups[1].Value, "u", CultureInfo.InvariantCulture);
    }

    private static async Task<DateTimeOffset> LastFetchMetricAsync(Scenario s)
    {
        using var r = await s.GetAsync("metrics");
        Assert.NotNull(r);
        var text = await r.Content.ReadAsStringAsync();
        var match = LastFetchMetric().Match(text);
        Assert.True(match.Success, $"no reconciler_git_last_fetch_timestamp_seconds for repo {s.RepoName} in /metrics:\n{text}");
        var seconds = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
    }

    [GeneratedRegex(@"last fetch (\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)")]
    private static partial Regex LastFetchLine();

    [GeneratedRegex(@"^reconciler_git_last_fetch_timestamp_seconds\{repo=""infra""\} (\S+)$", RegexOptions.Multiline)]
    private static partial Regex LastFetchMetric();
}
