using System.Net.Http.Headers;

namespace Reconciler.Forge;

/// <summary>
/// Gitea's API under <c>/api/v1</c> (the configured api_url), endpoints as in <see cref="GitHubShapedApi"/>.
/// An access token as <c>Authorization: token …</c>, the form Gitea documents for API tokens.
/// </summary>
internal sealed class GiteaClient(HttpClient http, Uri apiUrl, string tokenFile, string repository) : GitHubShapedApi(http, apiUrl, tokenFile, repository)
{
    /// <summary>Gitea's default MAX_RESPONSE_ITEMS: a page never holds more.</summary>
    protected override int PageSize => 50;

    protected override string PageQuery(int page) => $"limit={PageSize}&page={page}";

    // Gitea lists an issue's comments in one answer (no paging parameters on this endpoint).
    protected override bool CommentsArePaged => false;

    protected override void Authorize(HttpRequestMessage request, string token)
    {
        // Unvalidated: a validation error would quote the token in its message.
        request.Headers.TryAddWithoutValidation("Authorization", "token " + token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }
}
