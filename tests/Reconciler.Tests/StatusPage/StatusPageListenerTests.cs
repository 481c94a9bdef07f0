using System.Net;
using System.Net.Http.Headers;
using Reconciler.Configuration;
using Reconciler.Tests.Daemon;

namespace Reconciler.Tests.StatusPage;

/// <summary>GET / and GET /stacks/NAME/plan on real Kestrel, wired as <c>reconciler run</c> wires them.</summary>
public sealed class StatusPageListenerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("status-page-tests-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private DaemonConfig Config(string? token = null)
    {
        string? tokenFile = null;
        if (token is not null)
        {
            tokenFile = Path.Combine(_dir, "status-token");
            File.WriteAllText(tokenFile, token + "\n");
        }
        return new DaemonConfig
        {
            Path = Path.Combine(_dir, "config.yaml"),
            StateDir = Path.Combine(_dir, "state"),
            StatusTokenFile = tokenFile,
            Repos = [new RepoConfig { Name = "infra", Url = "git@github.com:acme/infra.git" }],
            Stacks = [new StackConfig { Name = "shop", Repo = "infra", Path = "shop" }],
        };
    }

    [Fact]
    public async Task The_page_is_html_with_a_policy_that_allows_no_script()
    {
        await using var listener = await TestListener.StartAsync(Config());

        using var page = await _http.GetAsync(listener.Metrics);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", page.Content.Headers.ContentType?.CharSet);
        var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", policy, StringComparison.Ordinal);
        Assert.Contains("<h2 id=\"stack-shop\">Stack shop</h2>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_status_token_the_page_and_plans_need_it_like_status()
    {
        await using var listener = await TestListener.StartAsync(Config(token: "page-token-9d2f"));

        foreach (var path in new[] { "/", "/stacks/shop/plan" })
        {
            using var anonymous = await _http.GetAsync(new Uri(listener.Metrics, path));
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.ToString());
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, listener.Metrics);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "page-token-9d2f");
        using var allowed = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task A_plan_is_not_found_for_an_unknown_stack_or_before_any_pass_planned()
    {
        await using var listener = await TestListener.StartAsync(Config());

        using var unknown = await _http.GetAsync(new Uri(listener.Metrics, "/stacks/nope/plan"));
        using var notYet = await _http.GetAsync(new Uri(listener.Metrics, "/stacks/shop/plan"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notYet.StatusCode);
        Assert.Contains("no pass has planned", await notYet.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_last_passs_plan_is_served_as_text_and_as_json()
    {
        await using var listener = await TestListener.StartAsync(Config());
        const string sha = "0123456789abcdef0123456789abcdef01234567";
        var plan = new Core.Planning.Plan("shop", [], []);
        listener.Status.StackPassed(new Core.Policy.StackPassResult
        {
            Stack = "shop", Commit = sha, Outcome = Core.Policy.PassOutcome.Noop, Plan = new Core.Policy.PassPlan(sha, plan),
        }, Core.Policy.Trigger.Drift);

        using var text = await _http.GetAsync(new Uri(listener.Metrics, "/stacks/shop/plan"));
        using var json = await _http.GetAsync(new Uri(listener.Metrics, "/stacks/shop/plan?format=json"));
        using var page = await _http.GetAsync(listener.Metrics);

        Assert.Equal(HttpStatusCode.OK, text.StatusCode);
        Assert.Equal("text/plain", text.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("\nshop: in sync\n", await text.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(sha, Assert.Single(text.Headers.GetValues("X-Reconciler-Commit")));
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        Assert.Equal("shop", Core.Planning.Plan.FromJson(await json.Content.ReadAsStringAsync()).Project);
        Assert.Contains("<a href=\"stacks/shop/plan\">shop: in sync</a>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
