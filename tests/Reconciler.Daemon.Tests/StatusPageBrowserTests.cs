using System.Text.Json;
using System.Text.RegularExpressions;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>The status page of a running daemon, in a real headless browser (Debian's chromium).</summary>
[Collection(DaemonCollection.Name)]
public sealed partial class StatusPageBrowserTests(DaemonFixture fx, ITestOutputHelper output)
{
    private const string HostileSubject = "<script>alert(1)</script><img src=x onerror=alert(2)> bump";

    /// <summary>Where the screenshots are kept: the test's output directory, not the repository.</summary>
    private static string Artifacts => Path.Combine(AppContext.BaseDirectory, "artifacts");

    [Fact]
    public async Task The_page_shows_every_stack_as_reconciler_status_does_without_console_errors()
    {
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { ExtraSuspendedStacks = 1 });
        await s.StartAndDeployAsync();
        // A commit whose subject is markup: the page must show it as text (and a script it let
        // through would be refused by the page's policy, which the browser reports as an error).
        var hostile = s.Commit(HostileSubject, new Dictionary<string, string?>());
        await s.WaitForPassAsync(hostile, "Applied", "Noop");
        string[] stacks = [s.Project, s.Project + "-idle1"];

        await using var browser = await HeadlessChromium.StartAsync(TimeSpan.FromSeconds(60));
        await browser.SetViewportAsync(1280, 900, mobile: false);
        Dictionary<string, (string Sync, string Deployed)> page = [];
        Dictionary<string, (string Sync, string Deployed)> cli = [];
        await s.EventuallyAsync("the page and reconciler status agree on every stack", async () =>
        {
            await browser.NavigateAsync(s.BaseUri, TimeSpan.FromSeconds(30));
            page = await PageStacksAsync(browser);
            cli = await CliStacksAsync(s);
            return stacks.All(n => page.ContainsKey(n) && cli.ContainsKey(n) && page[n] == cli[n] && cli[n].Sync != "unknown");
        }, Scenario.DefaultWait, poll: TimeSpan.FromMilliseconds(500));
        s.Log("page: " + string.Join("; ", page.Select(p => $"{p.Key} {p.Value}")));

        // The checks below run on a fresh load, well within the page's own reload interval.
        await browser.NavigateAsync(s.BaseUri, TimeSpan.FromSeconds(30));
        await browser.ScreenshotAsync(Path.Combine(Artifacts, "status-page.png"));
        Assert.Equal(stacks.Order(StringComparer.Ordinal), page.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("in sync", hostile[..12]), page[s.Project]);
        foreach (var stack in stacks)
        {
            Assert.Equal(1, (await browser.EvaluateAsync($"document.querySelectorAll('section.stack[data-stack=\"{stack}\"] h2').length")).GetInt32());
        }
        Assert.Equal(0, (await browser.EvaluateAsync("document.querySelectorAll('script, img, iframe').length")).GetInt32());
        Assert.True((await browser.EvaluateAsync($"document.body.innerText.includes({JsonSerializer.Serialize(HostileSubject)})")).GetBoolean(),
            "the hostile commit subject is not shown as text in the history");
        Assert.Equal("en", (await browser.EvaluateAsync("document.documentElement.lang")).GetString());
        Assert.True((await browser.EvaluateAsync("[...document.querySelectorAll('th')].every(th => th.scope === 'row' || th.scope === 'col')")).GetBoolean(),
            "a table header without scope");
        var planLink = (await browser.EvaluateAsync($"document.querySelector('section.stack[data-stack=\"{s.Project}\"] td[data-field=plan] a')?.href ?? ''")).GetString();
        Assert.EndsWith($"/stacks/{s.Project}/plan", planLink, StringComparison.Ordinal);

        // On a phone: nothing wider than the screen but the tables, which scroll inside their own box.
        await browser.SetViewportAsync(390, 844, mobile: true);
        await browser.NavigateAsync(s.BaseUri, TimeSpan.FromSeconds(30));
        Assert.True((await browser.EvaluateAsync("document.documentElement.scrollWidth <= window.innerWidth")).GetBoolean(),
            "the page is wider than a phone's screen");
        await browser.ScreenshotAsync(Path.Combine(Artifacts, "status-page-phone.png"));

        // The plan the link names is served, as text.
        await browser.NavigateAsync(new Uri(planLink!), TimeSpan.FromSeconds(30));
        var plan = (await browser.EvaluateAsync("document.body.innerText")).GetString()!;
        Assert.Contains($"{s.Project}: ", plan, StringComparison.Ordinal);

        Assert.True(browser.Errors.Count == 0, "the browser reported errors:\n" + string.Join("\n", browser.Errors));
        s.Log($"screenshots: {Artifacts}");
    }

    /// <summary>Per stack, the summary row's sync state and deployed commit, read from the browser's DOM.</summary>
    private static async Task<Dictionary<string, (string Sync, string Deployed)>> PageStacksAsync(HeadlessChromium browser)
    {
        var rows = await browser.EvaluateAsync("""
            [...document.querySelectorAll('table.summary tr[data-stack]')].map(r => [
              r.dataset.stack,
              r.querySelector('[data-field=sync]').innerText.trim(),
              r.querySelector('[data-field=deployed]').innerText.trim()])
            """);
        return rows.EnumerateArray().ToDictionary(r => r[0].GetString()!, r => (r[1].GetString()!, r[2].GetString()!.Replace("—", "-", StringComparison.Ordinal)));
    }

    /// <summary>Per stack, <c>reconciler status</c>'s "status:" (up to the comma) and "deployed:".</summary>
    private static async Task<Dictionary<string, (string Sync, string Deployed)>> CliStacksAsync(Scenario s)
    {
        var result = await s.CliAsync("status");
        Assert.True(result.ExitCode == 0, result.ToString());
        return CliStack().Matches(result.Stdout).ToDictionary(m => m.Groups["name"].Value, m => (m.Groups["sync"].Value.Trim(), m.Groups["deployed"].Value));
    }

    [GeneratedRegex(@"^(?<name>\S+)\n(?:  (?!deployed:).*\n)*  deployed:\s+(?<deployed>\S+)\s.*\n(?:  (?!status:).*\n)*  status:\s+(?<sync>[^,\n]+)", RegexOptions.Multiline)]
    private static partial Regex CliStack();
}
