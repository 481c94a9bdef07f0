using System.Collections.Immutable;
using YamlDotNet.RepresentationModel;

namespace Reconciler.Configuration;

/// <summary>
/// <c>forge:</c> of a repo (deploy statuses and plan previews) and <c>notifications:</c> (providers
/// with their filters). Both optional and off by default; secrets only in files.
/// </summary>
public static partial class DaemonConfigReader
{
    private static ForgeSettings? ReadForge(Ctx ctx, YamlMappingNode repo, string p, string dir)
    {
        var at = p + ".forge";
        if (ctx.Map(repo, "forge", at) is not { } m) return null;
        ctx.Keys(m, at, "provider", "api_url", "token_file", "repository", "statuses", "previews");
        var providerText = ctx.Required(m, "provider", at);
        ForgeProvider? provider = providerText switch
        {
            "github" => ForgeProvider.GitHub,
            "gitea" => ForgeProvider.Gitea,
            "gitlab" => ForgeProvider.GitLab,
            null => null,
            _ => null,
        };
        if (providerText is not null && provider is null) ctx.Error(ctx.Node(m, "provider")!, at + ".provider", "must be github, gitea or gitlab");
        var tokenFile = Abs(ctx.Required(m, "token_file", at), dir);
        var repository = ctx.Required(m, "repository", at);
        if (repository is not null && provider is ForgeProvider.GitHub or ForgeProvider.Gitea && repository.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            ctx.Error(ctx.Node(m, "repository")!, at + ".repository", $"\"{repository}\" is not owner/name");
        Uri? api = null;
        if (ctx.Str(m, "api_url", at) is { } url)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && string.IsNullOrEmpty(u.UserInfo)) api = u;
            else ctx.Error(ctx.Node(m, "api_url")!, at + ".api_url", "must be an http(s) URL without credentials (the token goes in token_file)");
        }
        else if (provider is { } known)
        {
            api = ForgeSettings.DefaultApiUrl(known);
            if (api is null) ctx.Error(m, at + ".api_url", "is required for gitea (like https://gitea.example.com/api/v1)");
        }
        if (provider is null || tokenFile is null || repository is null || api is null) return null;
        return new ForgeSettings
        {
            Provider = provider.Value,
            ApiUrl = api,
            TokenFile = tokenFile,
            Repository = repository,
            Statuses = ctx.Bool(m, "statuses", at) ?? true,
            Previews = ctx.Bool(m, "previews", at) ?? false,
        };
    }

    private static NotificationSettings ReadNotifications(Ctx ctx, YamlMappingNode root, string dir, IReadOnlyCollection<string> stackNames)
    {
        if (ctx.Map(root, "notifications", "notifications") is not { } m) return new NotificationSettings();
        ctx.Keys(m, "notifications", "dedup_window", "providers");
        var providers = new List<NotifierSettings>();
        var seq = ctx.Seq(m, "providers", "notifications.providers");
        for (var i = 0; i < (seq?.Children.Count ?? 0); i++)
        {
            var p = $"notifications.providers[{i}]";
            if (seq!.Children[i] is not YamlMappingNode n) { ctx.Error(seq.Children[i], p, "must be a mapping"); continue; }
            ctx.Keys(n, p, "name", "type", "url", "url_file", "secret_file", "token_file", "priority", "stacks", "events");
            var typeText = ctx.Required(n, "type", p);
            NotifierKind? kind = typeText switch
            {
                "webhook" => NotifierKind.Webhook,
                "slack" => NotifierKind.Slack,
                "ntfy" => NotifierKind.Ntfy,
                _ => null,
            };
            if (typeText is not null && kind is null) ctx.Error(ctx.Node(n, "type")!, p + ".type", "must be webhook, slack or ntfy");
            var name = ctx.Str(n, "name", p) ?? typeText ?? "";
            if (providers.Any(x => x.Name == name)) ctx.Error(n, p + ".name", $"duplicate provider name \"{name}\": give each its own name:");
            var url = ctx.Str(n, "url", p);
            var urlFile = Abs(ctx.Str(n, "url_file", p), dir);
            if ((url is null) == (urlFile is null)) ctx.Error(n, p, "give exactly one of url and url_file (a Slack or Discord webhook URL is a secret: keep it in url_file)");
            if (url is not null && UrlProblem(url) is { } problem) ctx.Error(ctx.Node(n, "url")!, p + ".url", problem);
            var secret = ctx.Str(n, "secret_file", p);
            var token = ctx.Str(n, "token_file", p);
            if (secret is not null && kind != NotifierKind.Webhook) ctx.Error(ctx.Node(n, "secret_file")!, p + ".secret_file", "only a webhook signs its body (ntfy takes token_file)");
            if (token is not null && kind != NotifierKind.Ntfy) ctx.Error(ctx.Node(n, "token_file")!, p + ".token_file", "only ntfy takes an access token (a webhook signs with secret_file)");
            var priority = ctx.Str(n, "priority", p);
            if (priority is not null && kind != NotifierKind.Ntfy) ctx.Error(ctx.Node(n, "priority")!, p + ".priority", "only ntfy has a priority");
            else if (priority is not null && priority is not ("1" or "2" or "3" or "4" or "5" or "min" or "low" or "default" or "high" or "max" or "urgent"))
                ctx.Error(ctx.Node(n, "priority")!, p + ".priority", "must be 1 to 5, or min, low, default, high, max");
            var stacks = ctx.Strings(n, "stacks", p);
            foreach (var s in stacks.Where(s => !stackNames.Contains(s)))
                ctx.Error(ctx.Node(n, "stacks")!, p + ".stacks", $"no stack named \"{s}\" under stacks:");
            var events = ctx.Strings(n, "events", p);
            foreach (var e in events.Where(e => !NotificationKinds.All.Contains(e)))
                ctx.Error(ctx.Node(n, "events")!, p + ".events", $"unknown event \"{e}\" (events: {string.Join(", ", NotificationKinds.All)})");
            if (kind is null) continue;
            providers.Add(new NotifierSettings
            {
                Name = name,
                Kind = kind.Value,
                Url = url,
                UrlFile = urlFile,
                SecretFile = Abs(secret ?? token, dir),
                Priority = priority,
                Stacks = [.. stacks],
                Events = [.. events],
            });
        }
        return new NotificationSettings
        {
            DedupWindow = ctx.Duration(m, "dedup_window", "notifications") ?? TimeSpan.FromMinutes(10),
            Providers = [.. providers],
        };
    }

    /// <summary>Why a notification URL written in the config cannot be used, or null. Never quotes it.</summary>
    private static string? UrlProblem(string url) =>
        !Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https") ? "must be an http(s) URL"
        : !string.IsNullOrEmpty(u.UserInfo) ? "credentials in the url are refused: use url_file (or token_file for ntfy)"
        : null;
}
