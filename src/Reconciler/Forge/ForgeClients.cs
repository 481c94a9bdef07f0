using Reconciler.Configuration;

namespace Reconciler.Forge;

/// <summary>The client of a repo's <c>forge:</c> settings.</summary>
public static class ForgeClients
{
    public static IForgeClient Create(ForgeSettings forge, HttpClient http) => forge.Provider switch
    {
        ForgeProvider.GitHub => new GitHubClient(http, forge.ApiUrl, forge.TokenFile, forge.Repository),
        ForgeProvider.Gitea => new GiteaClient(http, forge.ApiUrl, forge.TokenFile, forge.Repository),
        ForgeProvider.GitLab => new GitLabClient(http, forge.ApiUrl, forge.TokenFile, forge.Repository),
        _ => throw new ArgumentOutOfRangeException(nameof(forge)),
    };
}
