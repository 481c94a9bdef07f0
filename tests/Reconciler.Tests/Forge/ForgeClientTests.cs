using System.Text.Json;
using Reconciler.Configuration;
using Reconciler.Forge;
using Reconciler.Notifications;
using Reconciler.TestSupport;

namespace Reconciler.Tests.Forge;

/// <summary>
/// Each forge client against a local server that checks every request against the provider's
/// documented API: method, path, authentication and content headers, JSON body.
/// </summary>
public sealed class ForgeClientTests : IDisposable
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private const string Token = "tok-3c1d9e";
    private readonly RecordingHttpServer _server = RecordingHttpServer.Start();
    private readonly HttpClient _http = HttpDelivery.NewClient();
    private readonly string _tokenFile;

    public ForgeClientTests()
    {
        _tokenFile = Path.Combine(Directory.CreateTempSubdirectory("forge-token-").FullName, "token");
        File.WriteAllText(_tokenFile, Token + "\n");
    }

    private IForgeClient Client(ForgeProvider provider, string apiPath, string repository) => ForgeClients.Create(new ForgeSettings
    {
        Provider = provider,
        ApiUrl = new Uri(_server.BaseUri, apiPath),
        TokenFile = _tokenFile,
        Repository = repository,
    }, _http);

    private static JsonElement Json(RecordedRequest r) => JsonDocument.Parse(r.Body).RootElement;

    [Fact]
    public async Task GitHub_status_is_posted_to_the_statuses_path_with_a_bearer_token_and_the_documented_headers()
    {
        await Client(ForgeProvider.GitHub, "/", "acme/infra")
            .SetStatusAsync(Sha, CommitStatus.Of("reconciler/host1/shop", CommitState.Pending, "deploying on host1"), default);

        var r = Assert.Single(_server.Requests);
        Assert.Equal("POST", r.Method);
        Assert.Equal($"/repos/acme/infra/statuses/{Sha}", r.PathAndQuery);
        Assert.Equal($"Bearer {Token}", r.Header("Authorization"));
        Assert.Equal("application/vnd.github+json", r.Header("Accept"));
        Assert.Equal(GitHubClient.ApiVersion, r.Header("X-GitHub-Api-Version"));
        Assert.StartsWith("reconciler/", r.Header("User-Agent"));
        Assert.StartsWith("application/json", r.Header("Content-Type"));
        var body = Json(r);
        Assert.Equal("pending", body.GetProperty("state").GetString());
        Assert.Equal("reconciler/host1/shop", body.GetProperty("context").GetString());
        Assert.Equal("deploying on host1", body.GetProperty("description").GetString());
        Assert.Equal(3, body.EnumerateObject().Count());
    }

    [Fact]
    public async Task GitHub_comment_is_created_when_none_holds_the_marker_and_then_updated_in_place()
    {
        var client = Client(ForgeProvider.GitHub, "/", "acme/infra");
        _server.Respond = r => r.Method == "GET" ? (200, """[{"id": 5, "body": "looks good"}]""") : (201, """{"id": 77}""");
        await client.UpsertCommentAsync(12, "<!-- reconciler:preview host=h -->", "<!-- reconciler:preview host=h -->\nfirst", default);

        var list = _server.Requests[0];
        Assert.Equal("GET", list.Method);
        Assert.Equal("/repos/acme/infra/issues/12/comments?per_page=100&page=1", list.PathAndQuery);
        var create = _server.Requests[1];
        Assert.Equal("POST", create.Method);
        Assert.Equal("/repos/acme/infra/issues/12/comments", create.PathAndQuery);
        Assert.Equal("<!-- reconciler:preview host=h -->\nfirst", Json(create).GetProperty("body").GetString());

        _server.Respond = r => r.Method == "GET"
            ? (200, """[{"id": 5, "body": "looks good"}, {"id": 77, "body": "<!-- reconciler:preview host=h -->\nfirst"}]""")
            : (200, """{"id": 77}""");
        await client.UpsertCommentAsync(12, "<!-- reconciler:preview host=h -->", "<!-- reconciler:preview host=h -->\nsecond", default);
        var update = _server.Requests[^1];
        Assert.Equal("PATCH", update.Method);
        Assert.Equal("/repos/acme/infra/issues/comments/77", update.PathAndQuery);
        Assert.Equal("<!-- reconciler:preview host=h -->\nsecond", Json(update).GetProperty("body").GetString());
        Assert.Equal(4, _server.Requests.Count);
    }

    [Fact]
    public async Task GitHub_open_pull_requests_are_listed_with_state_open()
    {
        _server.Respond = _ => (200, """[{"number": 3, "title": "x"}, {"number": 9}]""");
        var open = await Client(ForgeProvider.GitHub, "/", "acme/infra").OpenRequestsAsync(default);
        Assert.Equal([3, 9], open.Order());
        Assert.Equal("/repos/acme/infra/pulls?state=open&per_page=100&page=1", Assert.Single(_server.Requests).PathAndQuery);
    }

    [Fact]
    public async Task Gitea_uses_its_api_v1_paths_and_a_token_authorization_header()
    {
        var client = Client(ForgeProvider.Gitea, "/api/v1", "acme/infra");
        await client.SetStatusAsync(Sha, CommitStatus.Of("reconciler/plan", CommitState.Failure, "invalid: compose.yaml:4: bad"), default);
        var status = Assert.Single(_server.Requests);
        Assert.Equal("POST", status.Method);
        Assert.Equal($"/api/v1/repos/acme/infra/statuses/{Sha}", status.PathAndQuery);
        Assert.Equal($"token {Token}", status.Header("Authorization"));
        Assert.Equal("failure", Json(status).GetProperty("state").GetString());
        Assert.Equal("reconciler/plan", Json(status).GetProperty("context").GetString());

        _server.Respond = r => r.Method == "GET" ? (200, """[{"id": 41, "body": "<!-- m -->\nold"}]""") : (200, "{}");
        await client.UpsertCommentAsync(4, "<!-- m -->", "<!-- m -->\nnew", default);
        Assert.Equal("/api/v1/repos/acme/infra/issues/4/comments", _server.Requests[1].PathAndQuery);
        Assert.Equal("GET", _server.Requests[1].Method);
        Assert.Equal("PATCH", _server.Requests[2].Method);
        Assert.Equal("/api/v1/repos/acme/infra/issues/comments/41", _server.Requests[2].PathAndQuery);
        Assert.Equal("<!-- m -->\nnew", Json(_server.Requests[2]).GetProperty("body").GetString());

        _server.Respond = r => r.Method == "GET" ? (200, "[]") : (201, "{}");
        await client.UpsertCommentAsync(5, "<!-- m -->", "<!-- m -->\nfirst", default);
        Assert.Equal("POST", _server.Requests[^1].Method);
        Assert.Equal("/api/v1/repos/acme/infra/issues/5/comments", _server.Requests[^1].PathAndQuery);

        _server.Respond = _ => (200, """[{"number": 5}]""");
        Assert.Equal([5], await client.OpenRequestsAsync(default));
        Assert.Equal("/api/v1/repos/acme/infra/pulls?state=open&limit=50&page=1", _server.Requests[^1].PathAndQuery);
    }

    [Fact]
    public async Task GitLab_status_names_the_context_and_says_failed_and_notes_are_updated_with_put()
    {
        var client = Client(ForgeProvider.GitLab, "/api/v4", "group/infra");
        await client.SetStatusAsync(Sha, CommitStatus.Of("reconciler/host1/shop", CommitState.Failure, "failed on host1: boom"), default);
        var status = Assert.Single(_server.Requests);
        Assert.Equal("POST", status.Method);
        // The project path is URL-encoded as one segment, as the API documents.
        Assert.Equal($"/api/v4/projects/group%2Finfra/statuses/{Sha}", status.PathAndQuery);
        Assert.Equal(Token, status.Header("PRIVATE-TOKEN"));
        Assert.Null(status.Header("Authorization"));
        var body = Json(status);
        Assert.Equal("failed", body.GetProperty("state").GetString());
        Assert.Equal("reconciler/host1/shop", body.GetProperty("name").GetString());
        Assert.Equal("failed on host1: boom", body.GetProperty("description").GetString());

        await client.SetStatusAsync(Sha, CommitStatus.Of("c", CommitState.Success, "ok"), default);
        Assert.Equal("success", Json(_server.Requests[^1]).GetProperty("state").GetString());
        await client.SetStatusAsync(Sha, CommitStatus.Of("c", CommitState.Pending, "go"), default);
        Assert.Equal("pending", Json(_server.Requests[^1]).GetProperty("state").GetString());

        _server.Respond = r => r.Method == "GET" ? (200, """[{"id": 301, "body": "<!-- m -->\nold", "system": false}]""") : (200, "{}");
        await client.UpsertCommentAsync(7, "<!-- m -->", "<!-- m -->\nnew", default);
        Assert.Equal("/api/v4/projects/group%2Finfra/merge_requests/7/notes?per_page=100&page=1", _server.Requests[^2].PathAndQuery);
        Assert.Equal("PUT", _server.Requests[^1].Method);
        Assert.Equal("/api/v4/projects/group%2Finfra/merge_requests/7/notes/301", _server.Requests[^1].PathAndQuery);

        _server.Respond = r => r.Method == "GET" ? (200, "[]") : (201, "{}");
        await client.UpsertCommentAsync(8, "<!-- m -->", "<!-- m -->\nfirst", default);
        Assert.Equal("POST", _server.Requests[^1].Method);
        Assert.Equal("/api/v4/projects/group%2Finfra/merge_requests/8/notes", _server.Requests[^1].PathAndQuery);

        _server.Respond = _ => (200, """[{"iid": 8, "id": 1234}]""");
        Assert.Equal([8], await client.OpenRequestsAsync(default));
        Assert.Equal("/api/v4/projects/group%2Finfra/merge_requests?state=opened&per_page=100&page=1", _server.Requests[^1].PathAndQuery);
    }

    [Fact]
    public async Task GitLab_refusing_a_status_it_already_has_counts_as_done()
    {
        _server.Respond = _ => (400, """{"message": "Cannot transition status via :enqueue from :pending"}""");
        await Client(ForgeProvider.GitLab, "/api/v4", "42").SetStatusAsync(Sha, CommitStatus.Of("c", CommitState.Pending, "go"), default);
        Assert.Equal($"/api/v4/projects/42/statuses/{Sha}", Assert.Single(_server.Requests).PathAndQuery);
    }

    [Fact]
    public async Task A_refused_call_says_which_and_never_the_token()
    {
        _server.Respond = _ => (401, """{"message": "Bad credentials"}""");
        var e = await Assert.ThrowsAsync<DeliveryFailedException>(() =>
            Client(ForgeProvider.GitHub, "/", "acme/infra").SetStatusAsync(Sha, CommitStatus.Of("c", CommitState.Success, "ok"), default));
        Assert.False(e.Retryable);
        Assert.Contains($"POST /repos/acme/infra/statuses/{Sha}: HTTP 401", e.Message);
        Assert.DoesNotContain(Token, e.Message);

        _server.Respond = _ => (502, "{}");
        var again = await Assert.ThrowsAsync<DeliveryFailedException>(() =>
            Client(ForgeProvider.GitHub, "/", "acme/infra").SetStatusAsync(Sha, CommitStatus.Of("c", CommitState.Success, "ok"), default));
        Assert.True(again.Retryable);
    }

    [Fact]
    public void A_long_description_is_cut_to_what_GitHub_keeps()
    {
        var s = CommitStatus.Of("c", CommitState.Failure, new string('x', 500));
        Assert.Equal(CommitStatus.MaxDescription, s.Description.Length);
        Assert.EndsWith("…", s.Description);
    }

    public void Dispose()
    {
        _server.Dispose();
        _http.Dispose();
    }
}
