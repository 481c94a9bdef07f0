namespace Reconciler.Forge;

/// <summary>
/// The API shape GitHub set and Gitea follows: statuses <c>POST /repos/{owner}/{repo}/statuses/{sha}</c>;
/// issue comments (a pull request is an issue) <c>GET|POST /repos/{owner}/{repo}/issues/{n}/comments</c>
/// and <c>PATCH /repos/{owner}/{repo}/issues/comments/{id}</c>; open pulls
/// <c>GET /repos/{owner}/{repo}/pulls?state=open</c>. The two differ only in authentication and paging.
/// </summary>
internal abstract class GitHubShapedApi(HttpClient http, Uri apiUrl, string tokenFile, string repository) : ForgeApi(http, apiUrl, tokenFile), IForgeClient
{
    private readonly string _repo = string.Join('/', repository.Split('/').Select(Segment));

    /// <summary>Items per page of a listing: the most the forge returns in one answer.</summary>
    protected abstract int PageSize { get; }

    /// <summary>The query that asks for page <paramref name="page"/> (GitHub <c>per_page</c>, Gitea <c>limit</c>).</summary>
    protected abstract string PageQuery(int page);

    /// <summary>False where the comment listing takes no paging parameters (Gitea answers with all of them at once).</summary>
    protected virtual bool CommentsArePaged => true;

    public Task SetStatusAsync(string sha, CommitStatus status, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"/repos/{_repo}/statuses/{Segment(sha)}",
            Json(new StatusBody(State(status.State), status.Description, status.Context), ForgeJson.Default.StatusBody), ct);

    public Task UpsertCommentAsync(int request, string marker, string body, CancellationToken ct) => UpsertAsync(
        async (page, t) => Parse(await SendAsync(HttpMethod.Get,
                $"/repos/{_repo}/issues/{request}/comments" + (CommentsArePaged ? "?" + PageQuery(page) : ""), null, t).ConfigureAwait(false),
            ForgeJson.Default.ListCommentItem, "listing comments"),
        CommentsArePaged ? PageSize : int.MaxValue,
        id => SendAsync(HttpMethod.Patch, $"/repos/{_repo}/issues/comments/{id}", Json(new CommentBody(body), ForgeJson.Default.CommentBody), ct),
        () => SendAsync(HttpMethod.Post, $"/repos/{_repo}/issues/{request}/comments", Json(new CommentBody(body), ForgeJson.Default.CommentBody), ct),
        marker, ct);

    public async Task<IReadOnlySet<int>> OpenRequestsAsync(CancellationToken ct)
    {
        var open = new HashSet<int>();
        for (var page = 1; page <= MaxPages; page++)
        {
            var items = Parse(await SendAsync(HttpMethod.Get, $"/repos/{_repo}/pulls?state=open&{PageQuery(page)}", null, ct).ConfigureAwait(false),
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
