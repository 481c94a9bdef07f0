using System.Net.Http.Headers;

namespace Reconciler.Forge;

/// <summary>
/// Gitea's API under <c>/api/v1</c> (the configured api_url): statuses
/// <c>POST /repos/{owner}/{repo}/statuses/{sha}</c>; issue comments
/// <c>GET|POST /repos/{owner}/{repo}/issues/{index}/comments</c> and
/// <c>PATCH /repos/{owner}/{repo}/issues/comments/{id}</c>; open pulls
/// <c>GET /repos/{owner}/{repo}/pulls?state=open</c>. An access token as <c>Authorization: token …</c>,
/// the form Gitea documents for API tokens.
/// </summary>
internal sealed class GiteaClient(HttpClient http, Uri apiUrl, string tokenFile, string repository) : ForgeApi(http, apiUrl, tokenFile), IForgeClient
{
    /// <summary>Gitea's default MAX_RESPONSE_ITEMS: a page never holds more.</summary>
    private const int PageSize = 50;
    private readonly string _repo = string.Join('/', repository.Split('/').Select(Segment));

    protected override void Authorize(HttpRequestMessage request, string token)
    {
        // Unvalidated: a validation error would quote the token in its message.
        request.Headers.TryAddWithoutValidation("Authorization", "token " + token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public Task SetStatusAsync(string sha, CommitStatus status, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"/repos/{_repo}/statuses/{Segment(sha)}",
            Json(new StatusBody(State(status.State), status.Description, status.Context), ForgeJson.Default.StatusBody), ct);

    public Task UpsertCommentAsync(int request, string marker, string body, CancellationToken ct) => UpsertAsync(
        // Gitea lists an issue's comments in one answer (no paging parameters on this endpoint).
        async (_, t) => Parse(await SendAsync(HttpMethod.Get, $"/repos/{_repo}/issues/{request}/comments", null, t).ConfigureAwait(false),
            ForgeJson.Default.ListCommentItem, "listing comments"),
        int.MaxValue,
        id => SendAsync(HttpMethod.Patch, $"/repos/{_repo}/issues/comments/{id}", Json(new CommentBody(body), ForgeJson.Default.CommentBody), ct),
        () => SendAsync(HttpMethod.Post, $"/repos/{_repo}/issues/{request}/comments", Json(new CommentBody(body), ForgeJson.Default.CommentBody), ct),
        marker, ct);

    public async Task<IReadOnlySet<int>> OpenRequestsAsync(CancellationToken ct)
    {
        var open = new HashSet<int>();
        for (var page = 1; page <= MaxPages; page++)
        {
            var items = Parse(await SendAsync(HttpMethod.Get, $"/repos/{_repo}/pulls?state=open&limit={PageSize}&page={page}", null, ct).ConfigureAwait(false),
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
