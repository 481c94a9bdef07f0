using System.Net.Http.Headers;

namespace Reconciler.Forge;

/// <summary>
/// GitHub's REST API (also GitHub Enterprise at <c>https://HOST/api/v3</c>): statuses
/// <c>POST /repos/{owner}/{repo}/statuses/{sha}</c>; issue comments (a pull request is an issue)
/// <c>GET|POST /repos/{owner}/{repo}/issues/{n}/comments</c> and
/// <c>PATCH /repos/{owner}/{repo}/issues/comments/{id}</c>; open pulls <c>GET /repos/{owner}/{repo}/pulls?state=open</c>.
/// A bearer token, <c>Accept: application/vnd.github+json</c> and the API version header, as documented.
/// </summary>
internal sealed class GitHubClient(HttpClient http, Uri apiUrl, string tokenFile, string repository) : ForgeApi(http, apiUrl, tokenFile), IForgeClient
{
    public const string ApiVersion = "2022-11-28";
    private const int PageSize = 100;
    private readonly string _repo = string.Join('/', repository.Split('/').Select(Segment));

    protected override void Authorize(HttpRequestMessage request, string token)
    {
        // Unvalidated: a validation error would quote the token in its message.
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        request.Headers.Add("X-GitHub-Api-Version", ApiVersion);
    }

    public Task SetStatusAsync(string sha, CommitStatus status, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"/repos/{_repo}/statuses/{Segment(sha)}",
            Json(new StatusBody(State(status.State), status.Description, status.Context), ForgeJson.Default.StatusBody), ct);

    public Task UpsertCommentAsync(int request, string marker, string body, CancellationToken ct) => UpsertAsync(
        async (page, t) => Parse(await SendAsync(HttpMethod.Get, $"/repos/{_repo}/issues/{request}/comments?per_page={PageSize}&page={page}", null, t).ConfigureAwait(false),
            ForgeJson.Default.ListCommentItem, "listing comments"),
        PageSize,
        id => SendAsync(HttpMethod.Patch, $"/repos/{_repo}/issues/comments/{id}", Json(new CommentBody(body), ForgeJson.Default.CommentBody), ct),
        () => SendAsync(HttpMethod.Post, $"/repos/{_repo}/issues/{request}/comments", Json(new CommentBody(body), ForgeJson.Default.CommentBody), ct),
        marker, ct);

    public async Task<IReadOnlySet<int>> OpenRequestsAsync(CancellationToken ct)
    {
        var open = new HashSet<int>();
        for (var page = 1; page <= MaxPages; page++)
        {
            var items = Parse(await SendAsync(HttpMethod.Get, $"/repos/{_repo}/pulls?state=open&per_page={PageSize}&page={page}", null, ct).ConfigureAwait(false),
                ForgeJson.Default.ListPullItem, "listing pull requests");
            open.UnionWith(items.Select(i => i.Number));
            if (items.Count < PageSize) break;
        }
        return open;
    }

    private static string State(CommitState s) => s switch
    {
        CommitState.Pending => "pending",
        CommitState.Success => "success",
        _ => "failure",
    };
}
