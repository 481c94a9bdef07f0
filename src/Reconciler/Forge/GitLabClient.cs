namespace Reconciler.Forge;

/// <summary>
/// GitLab's REST API v4 (the configured api_url, <c>https://gitlab.com/api/v4</c> by default): statuses
/// <c>POST /projects/{id}/statuses/{sha}</c> with <c>state</c> pending|running|success|failed and
/// <c>name</c> as the context; merge request notes <c>GET|POST /projects/{id}/merge_requests/{iid}/notes</c>
/// and <c>PUT /projects/{id}/merge_requests/{iid}/notes/{note_id}</c>; open merge requests
/// <c>GET /projects/{id}/merge_requests?state=opened</c>. The project is its numeric id or its
/// URL-encoded path (<c>group%2Fproject</c>); the token goes in <c>PRIVATE-TOKEN</c>.
/// </summary>
internal sealed class GitLabClient(HttpClient http, Uri apiUrl, string tokenFile, string project) : ForgeApi(http, apiUrl, tokenFile), IForgeClient
{
    private const int PageSize = 100;
    private readonly string _project = Segment(project);

    // Unvalidated: a validation error would quote the token in its message.
    protected override void Authorize(HttpRequestMessage request, string token) => request.Headers.TryAddWithoutValidation("PRIVATE-TOKEN", token);

    public Task SetStatusAsync(string sha, CommitStatus status, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"/projects/{_project}/statuses/{Segment(sha)}",
            Json(new GitLabStatusBody(State(status.State), status.Context, status.Description), ForgeJson.Default.GitLabStatusBody), ct,
            // GitLab refuses to set the state a status already has ("Cannot transition status via
            // :enqueue from :pending"): the status says what it should, so that is done, not a failure.
            acceptFailure: (code, body) => code == 400 && body.Contains("Cannot transition status", StringComparison.Ordinal));

    public Task UpsertCommentAsync(int request, string marker, string body, CancellationToken ct) => UpsertAsync(
        async (page, t) => Parse(await SendAsync(HttpMethod.Get, $"/projects/{_project}/merge_requests/{request}/notes?per_page={PageSize}&page={page}", null, t).ConfigureAwait(false),
            ForgeJson.Default.ListCommentItem, "listing notes"),
        PageSize,
        id => SendAsync(HttpMethod.Put, $"/projects/{_project}/merge_requests/{request}/notes/{id}", Json(new CommentBody(body), ForgeJson.Default.CommentBody), ct),
        () => SendAsync(HttpMethod.Post, $"/projects/{_project}/merge_requests/{request}/notes", Json(new CommentBody(body), ForgeJson.Default.CommentBody), ct),
        marker, ct);

    public async Task<IReadOnlySet<int>> OpenRequestsAsync(CancellationToken ct)
    {
        var open = new HashSet<int>();
        for (var page = 1; page <= MaxPages; page++)
        {
            var items = Parse(await SendAsync(HttpMethod.Get, $"/projects/{_project}/merge_requests?state=opened&per_page={PageSize}&page={page}", null, ct).ConfigureAwait(false),
                ForgeJson.Default.ListMergeRequestItem, "listing merge requests");
            open.UnionWith(items.Select(i => i.Iid));
            if (items.Count < PageSize) break;
        }
        return open;
    }

    private static string State(CommitState s) => s switch
    {
        CommitState.Pending => "pending",
        CommitState.Success => "success",
        _ => "failed",
    };
}
