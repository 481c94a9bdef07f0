namespace Reconciler.Configuration;

/// <summary>The forges whose APIs Reconciler talks to for commit statuses and pull request comments.</summary>
public enum ForgeProvider { GitHub, Gitea, GitLab }

/// <summary>
/// <c>forge:</c> of a repo: where its commits and pull requests live, for deploy statuses on
/// deployed commits and plan previews on pull (merge) requests. Off unless configured.
/// </summary>
public sealed record ForgeSettings
{
    public required ForgeProvider Provider { get; init; }

    /// <summary>
    /// The API root the documented paths are appended to: <c>https://api.github.com</c> (GitHub
    /// Enterprise: <c>https://HOST/api/v3</c>), <c>https://HOST/api/v1</c> (Gitea),
    /// <c>https://gitlab.com/api/v4</c> (GitLab).
    /// </summary>
    public required Uri ApiUrl { get; init; }

    /// <summary>A file holding the API token (mode 600); read at each call, never logged.</summary>
    public required string TokenFile { get; init; }

    /// <summary><c>owner/name</c> (GitHub, Gitea), or the GitLab project's numeric id or <c>group/project</c> path.</summary>
    public required string Repository { get; init; }

    /// <summary><c>statuses</c>: a status per stack and host on each deployed commit (on by default once <c>forge:</c> is set).</summary>
    public bool Statuses { get; init; } = true;

    /// <summary><c>previews</c>: plan each open pull request's head and comment the plan on it (off by default).</summary>
    public bool Previews { get; init; }

    /// <summary>The default API root of a provider's public service; Gitea has none.</summary>
    public static Uri? DefaultApiUrl(ForgeProvider provider) => provider switch
    {
        ForgeProvider.GitHub => new Uri("https://api.github.com"),
        ForgeProvider.GitLab => new Uri("https://gitlab.com/api/v4"),
        _ => null,
    };

    /// <summary>The refs under which the forge publishes request heads: <c>refs/pull/N/head</c> or <c>refs/merge-requests/N/head</c>.</summary>
    public string RequestRefPrefix => Provider == ForgeProvider.GitLab ? "refs/merge-requests/" : "refs/pull/";
}
