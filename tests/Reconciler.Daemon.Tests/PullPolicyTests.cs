using System.Globalization;
using System.Text.RegularExpressions;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>Time-based pull policies, judged against the pulls the daemon recorded.</summary>
[Collection(DaemonCollection.Name)]
public sealed partial class PullPolicyTests(DaemonFixture fx, ITestOutputHelper output)
{
    /// <summary>Passes to watch: with drift_interval 1s, a few seconds of drift ticks.</summary>
    private const int DriftPasses = 4;

    [Fact]
    public async Task Pull_policy_daily_pulls_once_at_deploy_not_on_every_drift_pass_nor_after_a_restart()
    {
        // web runs 1.1 (worker 1.0, pull_policy missing), so its pulls are its own in the log.
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { DriftInterval = "1s" },
            Scenario.Files(Scenario.Compose(webExtra: "    pull_policy: daily"), "1.1"));
        var pullWeb = $"action=\"pull {Scenario.Image("1.1")}\"";

        var first = await s.StartAndDeployAsync();
        await WaitForNoopPassesAsync(s, DriftPasses);

        Assert.True(Count(first.Output, pullWeb) == 1, $"expected one pull of web's image:\n{first.Output}");
        Assert.Equal(1, await PassesAsync(s, "applied"));
        var history = await s.SettledHistoryAsync();
        Assert.True(history.Split('\n').Count(l => l.Contains(" applied ", StringComparison.Ordinal)) == 1, history);

        first.Signal(DaemonProcess.SigTerm);
        Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the daemon did not stop on SIGTERM");
        var second = s.StartDaemon();
        await s.WaitReadyAsync(second);
        await WaitForNoopPassesAsync(s, DriftPasses);

        Assert.True(Count(second.Output, pullWeb) == 0, $"the restarted daemon pulled again:\n{second.Output}");
        Assert.Equal(0, await PassesAsync(s, "applied"));
        Assert.Equal(history, await s.SettledHistoryAsync());
    }

    /// <summary>Waits (polling) until this daemon process has counted <paramref name="passes"/> passes that changed nothing.</summary>
    private static Task WaitForNoopPassesAsync(Scenario s, int passes) =>
        s.EventuallyAsync($"{passes} passes with nothing to do", async () => await PassesAsync(s, "noop") >= passes, TimeSpan.FromSeconds(60));

    /// <summary><c>reconciler_reconciles_total</c> of the stack with <paramref name="result"/>, in the running daemon.</summary>
    private static async Task<int> PassesAsync(Scenario s, string result)
    {
        using var r = await s.GetAsync("metrics");
        if (r is null)
        {
            return -1;
        }
        var text = await r.Content.ReadAsStringAsync();
        foreach (Match m in ReconcilesLine().Matches(text))
        {
            if (m.Groups["stack"].Value == s.Project && m.Groups["result"].Value == result)
            {
                return (int)double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            }
        }
        return -1;
    }

    private static int Count(string text, string what) => Regex.Matches(text, Regex.Escape(what)).Count;

    [GeneratedRegex(@"^reconciler_reconciles_total\{stack=""(?<stack>[^""]+)"",result=""(?<result>[^""]+)""\} (?<n>\S+)$", RegexOptions.Multiline)]
    private static partial Regex ReconcilesLine();
}
