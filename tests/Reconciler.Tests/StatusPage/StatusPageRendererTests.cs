using System.Collections.Immutable;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Reconciler.Configuration;
using Reconciler.Core.Planning;
using Reconciler.Core.Policy;
using Reconciler.Daemon;
using Reconciler.State;
using Reconciler.StatusPage;

namespace Reconciler.Tests.StatusPage;

public sealed partial class StatusPageRendererTests
{
    private const string Deployed = "1111111111111111111111111111111111111111";
    private const string Head = "2222222222222222222222222222222222222222";
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);

    private static StatusDocument.StackView Live(string name, string outcome = "Noop", IReadOnlyList<DriftItem>? drift = null, string? error = null) =>
        new(name, Deployed, outcome, error, drift ?? [], Now.AddSeconds(-5), "Drift", null, []);

    private static StackPage Stack(string name, StackState? state = null, IReadOnlyList<Deployment>? history = null,
        string url = "https://github.com/acme/infra.git", RecordedPlan? plan = null) =>
        new(name, "infra", url, "main", "app", state ?? StackState.Initial(name).Applied(Deployed, DeploymentResult.Applied, Now),
            history ?? [], plan);

    private static StatusPageModel Model(IReadOnlyList<StackPage> stacks, IReadOnlyList<StatusDocument.StackView>? live = null,
        StatusDocument.VerificationView? verification = null) => new()
    {
        Status = new StatusDocument(Now.AddHours(-1), new StatusDocument.DockerView(true, null),
            [new StatusDocument.RepoView("infra", Head, Now, null, verification)], live ?? [.. stacks.Select(s => Live(s.Name))]),
        Stacks = stacks,
        Now = Now,
        Host = "host1",
        Version = "0.1.0",
    };

    private static Deployment Deployment(long id, string subject, string? error = null, DeploymentResult result = DeploymentResult.Applied) => new()
    {
        Id = id,
        Stack = "shop",
        Commit = Deployed,
        Author = "Ada Tester",
        Subject = subject,
        Trigger = DeploymentTrigger.Poll,
        StartedAt = Now.AddMinutes(-id),
        FinishedAt = Now.AddMinutes(-id).AddSeconds(2),
        Result = result,
        ActionCount = 2,
        Error = error,
    };

    [Fact]
    public void The_page_is_well_formed_markup_with_a_language_a_refresh_and_no_script()
    {
        var html = StatusPageRenderer.Render(Model([Stack("shop"), Stack("blog")]));

        Assert.StartsWith("<!DOCTYPE html>\n<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("<meta http-equiv=\"refresh\" content=\"10\">", html, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"viewport\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" src=", html, StringComparison.OrdinalIgnoreCase);
        // Nothing loaded from elsewhere: the one link is the empty icon, inline.
        Assert.Equal(["<link rel=\"icon\" href=\"data:,\">"], Regex.Matches(html, "<link[^>]*>").Select(m => m.Value));
        // Every element closed as written: parses as XML once the doctype is set aside.
        XDocument.Parse(VoidElement().Replace(html["<!DOCTYPE html>\n".Length..], "<$1/>"));
    }

    [Fact]
    public void Every_stack_gets_a_heading_a_summary_row_and_tables_with_header_scopes()
    {
        var html = StatusPageRenderer.Render(Model([Stack("blog"), Stack("shop")]));

        Assert.Contains("<h2 id=\"stack-blog\">Stack blog</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<h2 id=\"stack-shop\">Stack shop</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<tr data-stack=\"shop\"><th scope=\"row\"><a href=\"#stack-shop\">shop</a></th>", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(ThWithoutScope(), html);
        Assert.Equal(4, Regex.Count(html, "<h2 ")); // stacks, repositories, one per stack
        Assert.Equal(2, Regex.Count(html, "<section class=\"stack\""));
    }

    [Fact]
    public void Commit_subjects_authors_and_errors_from_git_are_encoded_never_markup()
    {
        const string hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&";
        var state = StackState.Initial("shop").Applied(Deployed, DeploymentResult.Applied, Now)
            .Failed(new StackError(hostile) { Commit = Head, File = "app/<b>.yaml", Line = 3 }, DeploymentResult.Failed, blockCommit: true);
        var history = new[] { Deployment(1, hostile, error: hostile) with { Author = hostile } };
        var html = StatusPageRenderer.Render(Model([Stack("shop", state, history)],
            [Live("shop", "Failed", [new DriftItem("web<x>", "config", ["image\"><i>"])], hostile)]));

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<x>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;&quot;&#x27;&amp;", html, StringComparison.Ordinal); // text, not an element
    }

    [Fact]
    public void A_stack_name_with_markup_stays_text_in_headings_anchors_and_links()
    {
        var html = StatusPageRenderer.Render(Model([Stack("a\"b<c>")]));

        Assert.DoesNotContain("<c>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"stack-a\"b", html, StringComparison.Ordinal);
        Assert.Contains("a&quot;b&lt;c&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_deployed_commit_links_to_its_forge_page_and_a_local_repo_shows_the_sha_alone()
    {
        var linked = StatusPageRenderer.Render(Model([Stack("shop", url: "git@github.com:acme/infra.git")]));
        var local = StatusPageRenderer.Render(Model([Stack("shop", url: "/srv/git/infra.git")]));

        Assert.Contains($"<a href=\"https://github.com/acme/infra/commit/{Deployed}\" rel=\"noopener noreferrer\" title=\"{Deployed}\"><code>111111111111</code></a>", linked, StringComparison.Ordinal);
        Assert.Contains("<td data-field=\"deployed\"><code>111111111111</code></td>", local, StringComparison.Ordinal);
        Assert.DoesNotContain("/commit/", local, StringComparison.Ordinal);
    }

    [Fact]
    public void Sync_reads_as_reconciler_status_words_it_and_health_follows_the_last_pass()
    {
        var drifted = StackState.Initial("a").Applied(Deployed, DeploymentResult.Applied, Now).OutOfSync("web: stopped");
        var suspended = StackState.Initial("b").Applied(Deployed, DeploymentResult.Applied, Now).Suspend();
        var html = StatusPageRenderer.Render(Model(
            [Stack("a", drifted), Stack("b", suspended), Stack("c")],
            [Live("a", "DriftReported", [new DriftItem("web", "stopped", [])]), Live("b", "Suspended"), Live("c")]));

        Assert.Matches(SummaryRow("a", "drifted", "degraded"), html);
        Assert.Matches(SummaryRow("b", "suspended", "healthy"), html);
        Assert.Matches(SummaryRow("c", "in sync", "healthy"), html);
    }

    [Fact]
    public void Drift_is_listed_by_service_and_field()
    {
        var html = StatusPageRenderer.Render(Model([Stack("shop")],
            [Live("shop", "DriftReported", [new DriftItem("web", "config", ["image", "environment"]), new DriftItem("worker", "missing", [])])]));

        Assert.Contains("<tr><th scope=\"row\">web</th><td>config</td><td><code>image</code>, <code>environment</code></td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th scope=\"row\">worker</th><td>missing</td><td>—</td></tr>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_held_commit_and_a_head_refused_by_verify_say_what_keeps_running()
    {
        var state = StackState.Initial("shop").Applied(Deployed, DeploymentResult.Applied, Now)
            .Failed(new StackError("compose.yaml:4: bad") { Commit = Head }, DeploymentResult.Failed, blockCommit: true);
        var html = StatusPageRenderer.Render(Model([Stack("shop", state)],
            verification: new StatusDocument.VerificationView(Head, false, "unsigned", null, "the commit is not signed")));

        Assert.Contains("refused by verify (unsigned, signer none): the commit is not signed", html, StringComparison.Ordinal);
        Assert.Contains($"Not retried until a newer commit arrives: <a href=\"https://github.com/acme/infra/commit/{Head}\"", html, StringComparison.Ordinal);
        Assert.Contains("the stack keeps running <a href=", html, StringComparison.Ordinal);
        Assert.Contains("compose.yaml:4: bad (commit 2222222222222222222222222222222222222222)", html, StringComparison.Ordinal);
    }

    [Fact]
    public void History_lists_the_latest_ten_deployments_with_their_results()
    {
        var history = Enumerable.Range(1, 15).Select(i => Deployment(i, $"change {i}")).ToList();
        var html = StatusPageRenderer.Render(Model([Stack("shop", history: history)]));

        Assert.Contains("change 10", html, StringComparison.Ordinal);
        Assert.DoesNotContain("change 11", html, StringComparison.Ordinal);
        Assert.Equal(10, Regex.Count(html, "<span class=\"badge ok\">applied</span>"));
    }

    [Fact]
    public void The_plan_link_is_relative_and_names_the_plans_first_line()
    {
        var plan = new Plan("shop", [], []);
        var html = StatusPageRenderer.Render(Model([Stack("shop", plan: new RecordedPlan(Deployed, plan, Now))]));
        var none = StatusPageRenderer.Render(Model([Stack("shop")]));

        Assert.Contains("<a href=\"stacks/shop/plan\">shop: in sync</a>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"stacks/shop/plan?format=json\">JSON</a>", html, StringComparison.Ordinal);
        Assert.Contains("no pass has planned yet", none, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_in_a_configured_url_never_reach_the_page()
    {
        var config = new DaemonConfig
        {
            Path = "/etc/reconciler/config.yaml",
            StateDir = "/var/lib/reconciler",
            Repos = [new RepoConfig { Name = "infra", Url = "https://deployer:s3cr3t-token@github.com/acme/infra.git" }],
            Stacks = [new StackConfig { Name = "shop", Repo = "infra", Path = "app" }],
        };
        var status = new DaemonStatus(TimeProvider.System);
        status.StackPassed(new StackPassResult { Stack = "shop", Commit = Deployed, Outcome = PassOutcome.Noop }, Trigger.Drift);

        var model = await StatusPageEndpoints.GatherAsync(config, status, store: null, new LastPlans(TimeProvider.System), TimeProvider.System, CancellationToken.None);
        var html = StatusPageRenderer.Render(model);

        Assert.DoesNotContain("s3cr3t-token", html, StringComparison.Ordinal);
        Assert.DoesNotContain("deployer", html, StringComparison.Ordinal);
        Assert.Contains($"https://github.com/acme/infra/commit/{Deployed}", html, StringComparison.Ordinal);
    }

    private static Regex SummaryRow(string stack, string sync, string health) => new(
        $"<tr data-stack=\"{stack}\">.*?<td data-field=\"sync\"><span class=\"badge \\w+\">{sync}</span></td><td data-field=\"health\"><span class=\"badge \\w+\">{health}</span></td>");

    [GeneratedRegex("<((?:meta|br|link)[^>]*)>")]
    private static partial Regex VoidElement();

    [GeneratedRegex("<th(?! scope=\"(row|col)\")[ >]")]
    private static partial Regex ThWithoutScope();
}
