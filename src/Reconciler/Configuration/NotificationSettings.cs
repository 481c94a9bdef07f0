using System.Collections.Immutable;

namespace Reconciler.Configuration;

/// <summary>What a notification provider speaks.</summary>
public enum NotifierKind
{
    /// <summary>A JSON body, signed with HMAC-SHA256 in <c>X-Reconciler-Signature</c> when a secret is set.</summary>
    Webhook,

    /// <summary>A Slack-compatible incoming webhook (<c>{"text": …}</c>): Slack, Mattermost, Discord's <c>/slack</c> endpoint.</summary>
    Slack,

    /// <summary>An ntfy topic URL: the text as body, Title/Tags/Priority headers.</summary>
    Ntfy,
}

/// <summary><c>notifications:</c> where events of the stacks are sent (off unless providers are listed).</summary>
public sealed record NotificationSettings
{
    /// <summary>The same event (stack, kind, commit, reason) is sent once within this window.</summary>
    public TimeSpan DedupWindow { get; init; } = TimeSpan.FromMinutes(10);

    public ImmutableArray<NotifierSettings> Providers { get; init; } = [];
}

/// <summary>One provider of <c>notifications.providers</c>, with its filters.</summary>
public sealed record NotifierSettings
{
    /// <summary>Unique; the <c>provider</c> label of <c>reconciler_notifications_total</c> and the name in /status.</summary>
    public required string Name { get; init; }

    public required NotifierKind Kind { get; init; }

    /// <summary>The URL, when it is not a secret (a webhook, an ntfy topic on a private server).</summary>
    public string? Url { get; init; }

    /// <summary>A file holding the URL, when the URL is the secret (Slack's and Discord's are).</summary>
    public string? UrlFile { get; init; }

    /// <summary>webhook: the HMAC-SHA256 key; ntfy: an access token sent as <c>Authorization: Bearer</c>.</summary>
    public string? SecretFile { get; init; }

    /// <summary>ntfy's <c>Priority</c> for failures and rollbacks (1–5 or min…max); others are sent at default.</summary>
    public string? Priority { get; init; }

    /// <summary>Only these stacks; empty: every stack.</summary>
    public ImmutableArray<string> Stacks { get; init; } = [];

    /// <summary>Only these events (<see cref="NotificationKinds.All"/>); empty: every event.</summary>
    public ImmutableArray<string> Events { get; init; } = [];
}
