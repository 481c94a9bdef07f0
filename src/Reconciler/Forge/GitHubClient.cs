using System.Net.Http.Headers;

namespace Reconciler.Forge;

/// <summary>
/// GitHub's REST API (also GitHub Enterprise at <c>https://HOST/api/v3</c>), endpoints as in
/// <see cref="GitHubShapedApi"/>. A bearer token, <c>Accept: application/vnd.github+json</c> and the
/// API version header, as documented.
/// </summary>
internal sealed class GitHubClient(HttpClient http, Uri apiUrl, string tokenFile, string repository) : GitHubShapedApi(http, apiUrl, tokenFile, repository)
{
    public const string ApiVersion = "2022-11-28";

    protected override int PageSize => 100;

    protected override string PageQuery(int page) => $"per_page={PageSize}&page={page}";

    protected override void Authorize(HttpRequestMessage request, string token)
    {
        // Unvalidated: a validation error would quote the token in its message.
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        request.Headers.Add("X-GitHub-Api-Version", ApiVersion);
    }
}
