using System.Text.Json;
using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>
/// Issue 18: deploy statuses and plan previews, end to end: the daemon as a child process, a real
/// engine and a bare git repo, and a local server standing for GitHub's API that checks each call
/// against the documented paths, headers and bodies.
/// </summary>
[Collection(DaemonCollection.Name)]
public sealed class ForgeTests(DaemonFixture fx, ITestOutputHelper output)
{
    private const string Token = "ghp-test-7f3a";

    /// <summary>A scenario whose repo reports to <paramref name="forge"/> as GitHub (previews on when asked).</summary>
    private Scenario Create(RecordingHttpServer forge, bool previews = false, string? topExtra = null)
    {
        var dir = Directory.CreateTempSubdirectory("forge-token-").FullName;
        var tokenFile = Path.Combine(dir, "token");
        File.WriteAllText(tokenFile, Token + "\n");
        File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return Scenario.Create(fx, output, new ScenarioOptions
        {
            RepoExtra = $"""
                    forge:
                      provider: github
                      api_url: {forge.BaseUri}
                      token_file: {tokenFile}
                      repository: acme/infra
                      previews: {(previews ? "true" : "false")}
                """,
            TopExtra = topExtra,
        });
    }

    private static bool IsStatus(RecordedRequest r, string sha) => r.Method == "POST" && r.Path == $"/repos/acme/infra/statuses/{sha}";

    private static (string State, string Context, string Description) Status(RecordedRequest r)
    {
        var body = JsonDocument.Parse(r.Body).RootElement;
        return (body.GetProperty("state").GetString()!, body.GetProperty("context").GetString()!, body.GetProperty("description").GetString()!);
    }

    private static void AssertGitHubHeaders(RecordedRequest r)
    {
        Assert.Equal($"Bearer {Token}", r.Header("Authorization"));
        Assert.Equal("application/vnd.github+json", r.Header("Accept"));
        Assert.Equal("2022-11-28", r.Header("X-GitHub-Api-Version"));
    }

    [Fact]
    public async Task A_merged_commit_gets_pending_then_success_and_a_failing_one_failure_with_the_rollback()
    {
        using var forge = RecordingHttpServer.Start();
        // The same server takes a generic webhook's notifications, at its own path.
        await using var s = Create(forge, topExtra: $"""
            notifications:
              providers:
                - name: ops
                  type: webhook
                  url: {new Uri(forge.BaseUri, "/hooks/reconciler")}
                  events: [deployed, rolled_back]
            """);
        var context = $"reconciler/{Environment.MachineName}/{s.Project}";
        var daemon = await s.StartAndDeployAsync();

        var first = await forge.WaitForAsync(r => IsStatus(r, s.InitialCommit), 2);
        Assert.Equal([("pending", context, $"deploying on {Environment.MachineName}"), ("success", context, $"deployed on {Environment.MachineName}")],
            first.Select(Status));
        AssertGitHubHeaders(first[0]);

        // A commit whose web container exits at once fails its gate and is rolled back.
        var bad = s.Commit("web that crashes", Scenario.Files(Scenario.Compose(webExtra: "    command: [\"sh\", \"-c\", \"echo starting; exit 3\"]"), "1.0"));
        var statuses = await forge.WaitForAsync(r => IsStatus(r, bad) && Status(r).State == "failure", 1, TimeSpan.FromSeconds(90));
        var all = forge.Requests.Where(r => IsStatus(r, bad)).Select(Status).ToList();
        Assert.Equal("pending", all[0].State);
        var failure = Status(statuses[0]);
        Assert.Equal(context, failure.Context);
        Assert.StartsWith($"rolled back to {s.InitialCommit[..7]} on {Environment.MachineName}: ", failure.Description);
        Assert.Contains("exited with code 3", failure.Description);
        Assert.DoesNotContain(all, st => st.State == "success");
        Assert.DoesNotContain(Token, daemon.Output);

        // The webhook heard the deploy and the rollback, once each.
        var hooks = await forge.WaitForAsync(r => r.Path == "/hooks/reconciler", 2);
        var events = hooks.Select(h => JsonDocument.Parse(h.Body).RootElement).Select(e => (e.GetProperty("event").GetString(), e.GetProperty("commit").GetString())).ToList();
        Assert.Equal([("deployed", s.InitialCommit), ("rolled_back", bad)], events);

        // Both outboxes report how they deliver in /status.
        using var status = await s.GetAsync("status");
        using var doc = JsonDocument.Parse(await status!.Content.ReadAsStringAsync());
        var providers = doc.RootElement.GetProperty("notifications").EnumerateArray()
            .ToDictionary(p => p.GetProperty("provider").GetString()!, p => p.GetProperty("failing").GetBoolean());
        Assert.Equal(new Dictionary<string, bool> { ["forge:infra"] = false, ["ops"] = false }, providers);
    }

    [Fact]
    public async Task A_pull_request_head_gets_one_plan_comment_updated_on_push_and_a_bad_one_a_failing_status()
    {
        using var forge = RecordingHttpServer.Start();
        // Comments by request number, as the fake GitHub keeps them.
        var comments = new Dictionary<int, List<(long Id, string Body)>>();
        var nextId = 100L;
        forge.Respond = r =>
        {
            lock (comments)
            {
                var parts = r.Path.Split('/');
                if (r.Method == "GET" && r.Path == "/repos/acme/infra/pulls") return (200, """[{"number": 1}, {"number": 2}]""");
                if (parts is [_, "repos", "acme", "infra", "issues", var n, "comments"])
                {
                    var list = comments.TryGetValue(int.Parse(n), out var l) ? l : comments[int.Parse(n)] = [];
                    if (r.Method == "GET")
                        return (200, JsonSerializer.Serialize(list.Select(c => new Dictionary<string, object> { ["id"] = c.Id, ["body"] = c.Body })));
                    list.Add((nextId, JsonDocument.Parse(r.Body).RootElement.GetProperty("body").GetString()!));
                    return (201, $$"""{"id": {{nextId++}}}""");
                }
                if (r.Method == "PATCH" && parts is [_, "repos", "acme", "infra", "issues", "comments", var id])
                {
                    var list = comments.Values.Single(l => l.Any(c => c.Id == long.Parse(id)));
                    var i = list.FindIndex(c => c.Id == long.Parse(id));
                    list[i] = (list[i].Id, JsonDocument.Parse(r.Body).RootElement.GetProperty("body").GetString()!);
                    return (200, "{}");
                }
                return (201, "{}");
            }
        };
        await using var s = Create(forge, previews: true);
        await s.StartAndDeployAsync();

        // PR 1 gives web a variable (images already on the host, so the plan pulls nothing): pushed
        // as GitHub publishes a pull request's head, refs/pull/1/head, not on main.
        var pr = s.Origin.Commit("web: LOG_LEVEL", Scenario.Files(Scenario.Compose(webExtra: "    environment: [LOG_LEVEL=debug]"), "1.0"), push: false);
        OriginRepository.Git(s.Origin.WorkPath, "push", "--quiet", "origin", "HEAD:refs/pull/1/head");
        OriginRepository.Git(s.Origin.WorkPath, "reset", "--quiet", "--hard", s.InitialCommit);

        var planStatus = (await forge.WaitForAsync(r => IsStatus(r, pr), 1))[0];
        Assert.Equal(("success", "reconciler/plan", "1 to change"), Status(planStatus));
        AssertGitHubHeaders(planStatus);
        var created = Assert.Single(forge.Requests, r => r.Method == "POST" && r.Path == "/repos/acme/infra/issues/1/comments");
        var body = JsonDocument.Parse(created.Body).RootElement.GetProperty("body").GetString()!;
        Assert.StartsWith($"<!-- reconciler:preview host={Environment.MachineName} -->", body);
        Assert.Contains($"**{s.Project}**: 1 to change", body);
        Assert.Contains("recreate", body);
        Assert.Contains("LOG_LEVEL", body);
        // Nothing ran: the host still runs the initial commit.
        await s.WaitForCommitAsync(s.InitialCommit, ["web", "worker"]);

        // A new push to PR 1 updates the same comment in place.
        OriginRepository.Git(s.Origin.WorkPath, "checkout", "--quiet", "-B", "pr1", pr);
        var push2 = s.Origin.Commit("and the worker too", new Dictionary<string, string?>
        {
            [$"{Scenario.StackPath}/compose.yaml"] = Scenario.Compose(webExtra: "    environment: [LOG_LEVEL=debug]") + "    environment: [LOG_LEVEL=debug]\n",
        }, push: false);
        OriginRepository.Git(s.Origin.WorkPath, "push", "--quiet", "--force", "origin", "HEAD:refs/pull/1/head");
        Assert.Equal(("success", "reconciler/plan", "2 to change"), Status((await forge.WaitForAsync(r => IsStatus(r, push2), 1))[0]));
        await forge.WaitForAsync(r => r.Method == "PATCH", 1);
        lock (comments)
        {
            var only = Assert.Single(comments[1]);
            Assert.Contains("2 to change", only.Body);
        }

        // PR 2 breaks the compose file: marked failing before anyone merges it.
        OriginRepository.Git(s.Origin.WorkPath, "checkout", "--quiet", "-B", "pr2", s.InitialCommit);
        var broken = s.Origin.Commit("typo", new Dictionary<string, string?>
        {
            [$"{Scenario.StackPath}/compose.yaml"] = Scenario.Compose().Replace("image:", "imag:", StringComparison.Ordinal),
        }, push: false);
        OriginRepository.Git(s.Origin.WorkPath, "push", "--quiet", "origin", "HEAD:refs/pull/2/head");
        var failing = Status((await forge.WaitForAsync(r => IsStatus(r, broken), 1))[0]);
        Assert.Equal(("failure", "reconciler/plan"), (failing.State, failing.Context));
        Assert.StartsWith("invalid: app/compose.yaml:", failing.Description);
        Assert.Contains("imag", failing.Description);
        await forge.WaitForAsync(r => r.Method == "POST" && r.Path == "/repos/acme/infra/issues/2/comments", 1);
        lock (comments) Assert.Contains("**invalid**", Assert.Single(comments[2]).Body);
        await s.WaitForCommitAsync(s.InitialCommit, ["web", "worker"]);
    }
}
