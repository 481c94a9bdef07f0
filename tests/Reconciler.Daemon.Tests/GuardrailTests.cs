using System.Text.Json;
using Docker.DotNet.Models;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>
/// The guardrails end to end, a daemon process on the real engine: with <c>mutable-tag</c> on deny a
/// commit that moves web to <c>:latest</c> is refused with file:line and what runs stays; restarted
/// with the rule on warn the same commit deploys and the finding shows in <c>/status</c>,
/// <c>reconciler status</c> and <c>reconciler_policy_findings</c>; a commit that allows the rule for
/// web with a reason silences it.
/// </summary>
[Collection(DaemonCollection.Name)]
public sealed class GuardrailTests(DaemonFixture fx, ITestOutputHelper output)
{
    private const string Latest = DaemonFixture.ImageRepo + ":latest";

    /// <summary>Only mutable-tag is on, so every finding seen is the one under test.</summary>
    private static string Policy(string level) => $"""
            policy:
              rules:
                mutable-tag: {level}
                no-healthcheck: off
                no-log-rotation: off
                no-memory-limit: off
                public-port: off
        """;

    [Fact]
    public async Task A_latest_tag_is_refused_on_deny_deployed_and_reported_on_warn_and_silenced_by_an_allow_with_a_reason()
    {
        // :latest is a local tag of 1.0, so the warn stage deploys it without a registry holding it.
        await fx.Client.Images.TagImageAsync(Scenario.Image("1.0"), new ImageTagParameters { RepositoryName = DaemonFixture.ImageRepo, Tag = "latest" });
        try
        {
            await JourneyAsync();
        }
        finally
        {
            await fx.Client.Images.DeleteImageAsync(Latest, new ImageDeleteParameters { Force = true });
        }
    }

    private async Task JourneyAsync()
    {
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { StackExtra = Policy("deny") });
        var daemon = await s.StartAndDeployAsync();
        var running = await s.RunningIdsAsync();

        // deny: refused with where and why; the running version stays.
        var latest = s.Commit("web on latest", new Dictionary<string, string?> { ["app/.env"] = Scenario.Env("latest") });
        await s.WaitForPassAsync(latest, "Failed");
        var error = (await s.StackStatusAsync())!.Value.GetProperty("last_change").GetProperty("error").GetString();
        Assert.StartsWith("app/compose.yaml:3: services.web.image: mutable-tag (policy: deny)", error, StringComparison.Ordinal);
        await s.WaitForMorePassesAsync(2);
        Assert.Equal(running, await s.RunningIdsAsync());
        Assert.Equal(Scenario.Image("1.0"), Assert.Single(await s.ServiceContainersAsync("web")).Image);
        var status = await s.CliAsync("status");
        Assert.Contains("app/compose.yaml:3: services.web.image: mutable-tag (policy: deny)", status.Stdout, StringComparison.Ordinal);

        // warn: the same head deploys, and the finding is reported everywhere.
        daemon.Signal(DaemonProcess.SigTerm);
        Assert.True(await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the daemon did not stop on SIGTERM");
        File.WriteAllText(s.ConfigPath, File.ReadAllText(s.ConfigPath).Replace("mutable-tag: deny", "mutable-tag: warn", StringComparison.Ordinal));
        await s.WaitReadyAsync(s.StartDaemon());
        // A refused commit is retried only for a newer one: this one only fixes nothing but the config.
        var again = s.Commit("web on latest, again", new Dictionary<string, string?> { ["app/.env"] = Scenario.Env("latest") + "# again\n" });
        await s.WaitForCommitAsync(again, ["web"]);
        await s.WaitForPassAsync(again, "Applied", "Noop");
        Assert.Equal(Latest, Assert.Single(await s.ServiceContainersAsync("web")).Image);
        var finding = Assert.Single(await FindingsAsync(s));
        Assert.Equal(("mutable-tag", "web", "warn", "app/compose.yaml", 3),
            (finding.GetProperty("rule").GetString(), finding.GetProperty("service").GetString(), finding.GetProperty("level").GetString(),
             finding.GetProperty("file").GetString(), finding.GetProperty("line").GetInt32()));
        Assert.Contains($"reconciler_policy_findings{{stack=\"{s.Project}\",service=\"web\",rule=\"mutable-tag\"}} 1", await MetricsAsync(s));
        status = await s.CliAsync("status");
        Assert.Contains("policy:    warning: ", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("mutable-tag", status.Stdout, StringComparison.Ordinal);
        var validate = await s.CliAsync("validate");
        Assert.True(validate.Ok, validate.ToString());
        Assert.Contains($"warning: stack {s.Project}: policy: ", validate.Stderr, StringComparison.Ordinal);
        Assert.Contains("mutable-tag", validate.Stderr, StringComparison.Ordinal);

        // allow, with a reason, in git: silenced everywhere.
        var allowed = s.Commit("allow latest for web", new Dictionary<string, string?>
        {
            ["app/compose.yaml"] = Scenario.Compose(webExtra: """
                    x-reconciler:
                      allow:
                        - rule: mutable-tag
                          reason: a test image, retagged by the test itself
                """),
        });
        await s.WaitForPassAsync(allowed, "Applied", "Noop");
        await s.EventuallyAsync("no findings in /status", async () => (await FindingsAsync(s)).Count == 0, Scenario.DefaultWait);
        await s.EventuallyAsync("no finding in reconciler_policy_findings", async () =>
            !(await MetricsAsync(s)).Contains($"reconciler_policy_findings{{stack=\"{s.Project}\",service=\"web\",rule=\"mutable-tag\"}} 1", StringComparison.Ordinal),
            Scenario.DefaultWait);
        status = await s.CliAsync("status");
        Assert.DoesNotContain("mutable-tag", status.Stdout, StringComparison.Ordinal);
        validate = await s.CliAsync("validate");
        Assert.Contains($"allowed: stack {s.Project}: policy: mutable-tag on web: a test image", validate.Stderr, StringComparison.Ordinal);
        Assert.Equal(Latest, Assert.Single(await s.ServiceContainersAsync("web")).Image);
    }

    private static async Task<List<JsonElement>> FindingsAsync(Scenario s) =>
        await s.StackStatusAsync() is { } stack ? [.. stack.GetProperty("findings").EnumerateArray().Select(f => f.Clone())] : [];

    private static async Task<string> MetricsAsync(Scenario s)
    {
        using var r = await s.GetAsync("metrics");
        return r is null ? "" : await r.Content.ReadAsStringAsync();
    }
}
