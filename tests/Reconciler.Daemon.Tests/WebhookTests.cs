using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary><c>POST /hooks/git/{repo}</c>: a signed push deploys at once; anything unsigned is refused and does nothing.</summary>
[Collection(DaemonCollection.Name)]
public sealed class WebhookTests(DaemonFixture fx, ITestOutputHelper output)
{
    private const string Secret = "whsec-7d1f0c2e";

    [Fact]
    public async Task A_GitHub_signed_push_deploys_quickly_with_hourly_polling_and_an_invalid_signature_gets_401_and_triggers_nothing()
    {
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { Interval = "1h", DriftInterval = "1m", WebhookSecret = Secret });
        var daemon = await s.StartAndDeployAsync();
        var fetchedBefore = await LastFetchAsync(s);

        var bump = s.Commit("web 1.1", new Dictionary<string, string?> { ["app/.env"] = Scenario.Env("1.1") });
        var body = "{\"ref\":\"refs/heads/main\",\"after\":\"" + bump + "\",\"repository\":{\"full_name\":\"ops/infra\"}}";

        // Wrong secret, a tampered body, no signature at all: 401, and nothing moves.
        using (var wrong = await PostAsync(s, body, Sign(body, "not-the-secret")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using (var tampered = await PostAsync(s, body.Replace("main", "evil", StringComparison.Ordinal), Sign(body, Secret)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        }
        using (var unsigned = await PostAsync(s, body, signature: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }
        // Something that does not happen, so a window, not a condition: a poked watcher wakes, logs and
        // checks the remote within milliseconds (a local repo), so one poll step shows a wrongly
        // accepted webhook in the log and in /status, though the deploy it would start takes longer.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(fetchedBefore, await LastFetchAsync(s));
        var web = Assert.Single(await s.ServiceContainersAsync("web"));
        Assert.Equal(Scenario.Image("1.0"), web.Image);
        Assert.Equal(s.InitialCommit, web.Labels[DaemonFixture.CommitLabel]);
        Assert.DoesNotContain("webhook received", daemon.Output);

        // An unknown repo is not found (and not a way to probe secrets).
        using (var unknown = await s.PostAsync("hooks/git/nope", new StringContent(body)))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        // The valid signature: deployed within seconds although the next poll is an hour away.
        var watch = Stopwatch.StartNew();
        using (var valid = await PostAsync(s, body, Sign(body, Secret)))
        {
            Assert.True(valid.IsSuccessStatusCode, $"valid webhook answered {(int)valid.StatusCode}");
        }
        await s.WaitForImageAsync("web", Scenario.Image("1.1"), TimeSpan.FromSeconds(60));
        s.Log($"[figure] signed webhook → web running 1.1: {watch.Elapsed.TotalSeconds:0.00} s (interval 1 h)");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"webhook deploy took {watch.Elapsed.TotalSeconds:0.0}s");
        Assert.Equal(bump, Assert.Single(await s.ServiceContainersAsync("web")).Labels[DaemonFixture.CommitLabel]);
        Assert.Contains("webhook received", daemon.Output);
    }

    [Fact]
    public async Task A_deploy_triggered_by_a_webhook_is_recorded_as_webhook_not_poll()
    {
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { Interval = "1h", DriftInterval = "1m", WebhookSecret = Secret });
        await s.StartAndDeployAsync();
        var bump = s.Commit("web 1.1", new Dictionary<string, string?> { ["app/.env"] = Scenario.Env("1.1") });
        var body = "{\"ref\":\"refs/heads/main\",\"after\":\"" + bump + "\"}";
        using (var valid = await PostAsync(s, body, Sign(body, Secret)))
        {
            Assert.True(valid.IsSuccessStatusCode, $"valid webhook answered {(int)valid.StatusCode}");
        }
        await s.WaitForPassAsync(bump, "Applied");

        // The hourly poll did not find this commit: the webhook did, and the record must say so.
        var latest = (await s.SettledHistoryAsync()).Split('\n')[0];
        var deploy = (await s.StackStatusAsync())!.Value.GetProperty("last_change");
        Assert.True(latest.Contains(" webhook ", StringComparison.Ordinal) && deploy.GetProperty("trigger").GetString() == "Webhook",
            $"a webhook-triggered deploy is recorded as: history \"{latest.Trim()}\", /status last_change {deploy}");
    }

    private static string Sign(string body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    private static async Task<HttpResponseMessage> PostAsync(Scenario s, string body, string? signature)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(s.BaseUri, $"hooks/git/{s.RepoName}")) { Content = content };
        request.Headers.Add("X-GitHub-Event", "push");
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        if (signature is not null)
        {
            request.Headers.Add("X-Hub-Signature-256", signature);
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await http.SendAsync(request);
    }

    /// <summary>The repo's <c>last_fetch</c> in <c>/status</c>: it moves with every check of the remote.</summary>
    private static async Task<string?> LastFetchAsync(Scenario s)
    {
        using var r = await s.GetAsync("status");
        Assert.NotNull(r);
        using var doc = System.Text.Json.JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("repos")[0].GetProperty("last_fetch").GetString();
    }
}
