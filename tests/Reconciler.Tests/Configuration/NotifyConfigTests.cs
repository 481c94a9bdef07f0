using System.Text.RegularExpressions;
using Reconciler.Configuration;
using Reconciler.Tests.Observability;

namespace Reconciler.Tests.Configuration;

/// <summary><c>forge:</c> of a repo and <c>notifications:</c> in the daemon config: optional, off by default, strict.</summary>
public sealed class NotifyConfigTests
{
    private static (DaemonConfig? Config, IReadOnlyList<ConfigError> Errors) Parse(string repoExtra = "", string top = "") =>
        DaemonConfigReader.Parse($"""
            state_dir: /var/lib/reconciler
            repos:
              - name: infra
                url: /srv/git/infra.git
            {repoExtra}
            stacks:
              - name: shop
                repo: infra
                path: stacks/shop
            {top}
            """, "/etc/reconciler/config.yaml");

    [Fact]
    public void Without_forge_or_notifications_nothing_is_sent()
    {
        var (config, errors) = Parse();
        Assert.Empty(errors);
        Assert.Null(config!.Repos[0].Forge);
        Assert.Empty(config.Notifications.Providers);
    }

    [Fact]
    public void A_forge_block_reads_provider_token_file_and_repository_with_statuses_on_and_previews_off_by_default()
    {
        var (config, errors) = Parse("    forge:\n      provider: github\n      token_file: forge-token\n      repository: acme/infra");
        Assert.Empty(errors);
        var forge = config!.Repos[0].Forge!;
        Assert.Equal(ForgeProvider.GitHub, forge.Provider);
        Assert.Equal(new Uri("https://api.github.com"), forge.ApiUrl);
        Assert.Equal("/etc/reconciler/forge-token", forge.TokenFile);
        Assert.True(forge.Statuses);
        Assert.False(forge.Previews);
        Assert.Equal("refs/pull/", forge.RequestRefPrefix);
        Assert.Contains(("repos[0].forge.token_file", "/etc/reconciler/forge-token"), SecretFiles.Named(config));
    }

    [Fact]
    public void A_gitlab_forge_takes_a_project_path_and_follows_merge_request_refs()
    {
        var (config, errors) = Parse("    forge:\n      provider: gitlab\n      api_url: https://gitlab.example.com/api/v4\n      token_file: /t\n      repository: group/sub/infra\n      previews: true");
        Assert.Empty(errors);
        var forge = config!.Repos[0].Forge!;
        Assert.Equal("refs/merge-requests/", forge.RequestRefPrefix);
        Assert.True(forge.Previews);
    }

    [Theory]
    [InlineData("      provider: bitbucket\n      token_file: /t\n      repository: a/b", "repos[0].forge.provider", "must be github, gitea or gitlab")]
    [InlineData("      provider: gitea\n      token_file: /t\n      repository: a/b", "repos[0].forge.api_url", "is required for gitea")]
    [InlineData("      provider: github\n      repository: a/b", "repos[0].forge.token_file", "is required")]
    [InlineData("      provider: github\n      token_file: /t\n      repository: infra", "repos[0].forge.repository", "is not owner/name")]
    [InlineData("      provider: github\n      token: abc\n      token_file: /t\n      repository: a/b", "repos[0].forge.token", "secrets are never written inline")]
    [InlineData("      provider: github\n      api_url: https://user:pw@api.github.com\n      token_file: /t\n      repository: a/b", "repos[0].forge.api_url", "without credentials")]
    public void A_bad_forge_block_is_an_error_naming_the_key_and_its_line(string block, string key, string message)
    {
        var (config, errors) = Parse("    forge:\n" + block);
        Assert.Null(config);
        var e = Assert.Single(errors);
        Assert.Equal(key, e.KeyPath);
        Assert.Contains(message, e.Message);
        Assert.True(e.Line >= 5, $"line {e.Line}");
    }

    [Fact]
    public void Notification_providers_read_their_filters_and_secret_files()
    {
        var (config, errors) = Parse(top: """
            notifications:
              dedup_window: 5m
              providers:
                - name: ops
                  type: webhook
                  url: https://hooks.example.com/reconciler
                  secret_file: hmac
                  events: [failed, rolled_back]
                - type: slack
                  url_file: /etc/reconciler/slack-url
                  stacks: [shop]
                - type: ntfy
                  url: https://ntfy.example.com/deploys
                  token_file: ntfy-token
                  priority: urgent
            """);
        Assert.Empty(errors);
        var n = config!.Notifications;
        Assert.Equal(TimeSpan.FromMinutes(5), n.DedupWindow);
        Assert.Equal(["ops", "slack", "ntfy"], n.Providers.Select(p => p.Name));
        Assert.Equal(["failed", "rolled_back"], n.Providers[0].Events.ToArray());
        Assert.Equal("/etc/reconciler/hmac", n.Providers[0].SecretFile);
        Assert.Equal(["shop"], n.Providers[1].Stacks.ToArray());
        Assert.Equal("/etc/reconciler/ntfy-token", n.Providers[2].SecretFile);
        Assert.Equal(
            ["notifications.providers[0].secret_file", "notifications.providers[1].url_file", "notifications.providers[2].token_file"],
            SecretFiles.Named(config).Select(s => s.KeyPath).Where(k => k.StartsWith("notifications", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("    - type: email\n      url: https://x", "notifications.providers[0].type", "must be webhook, slack or ntfy")]
    [InlineData("    - type: slack", "notifications.providers[0]", "exactly one of url and url_file")]
    [InlineData("    - type: webhook\n      url: https://x\n      events: [deployed, exploded]", "notifications.providers[0].events", "unknown event \"exploded\"")]
    [InlineData("    - type: webhook\n      url: https://x\n      stacks: [blog]", "notifications.providers[0].stacks", "no stack named \"blog\"")]
    [InlineData("    - type: slack\n      url: https://x\n      secret_file: /s", "notifications.providers[0].secret_file", "only a webhook signs")]
    [InlineData("    - type: ntfy\n      url: https://u:p@ntfy.sh/t", "notifications.providers[0].url", "credentials in the url are refused")]
    [InlineData("    - type: ntfy\n      url: https://ntfy.sh/t\n    - type: ntfy\n      url: https://ntfy.sh/u", "notifications.providers[1].name", "duplicate provider name")]
    public void A_bad_provider_is_an_error_naming_the_key(string providers, string key, string message)
    {
        var (config, errors) = Parse(top: "notifications:\n  providers:\n" + providers);
        Assert.Null(config);
        var e = Assert.Single(errors);
        Assert.Equal(key, e.KeyPath);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void The_sample_configs_forge_and_notifications_examples_parse_once_uncommented()
    {
        var sample = File.ReadAllLines(Path.Combine(Tools.RepoRoot, "config.sample.yaml"));
        var uncommented = sample.Select(l => Regex.Replace(l,
            @"^(\s*)# (\s*(?:- )?(?:forge|provider|api_url|token_file|repository|statuses|previews|notifications|dedup_window|providers|name|type|url|url_file|secret_file|priority|stacks|events):)", "$1$2"));

        var (config, errors) = DaemonConfigReader.Parse(string.Join("\n", uncommented), "/etc/reconciler/config.yaml");

        Assert.Empty(errors);
        Assert.Equal(ForgeProvider.GitHub, config!.Repos[0].Forge!.Provider);
        Assert.Equal(["ops", "chat", "phone"], config.Notifications.Providers.Select(p => p.Name));
    }
}
