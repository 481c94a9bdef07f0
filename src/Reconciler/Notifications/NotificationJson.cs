using System.Text.Json.Serialization;

namespace Reconciler.Notifications;

/// <summary>The generic webhook's body: the event's fields and its text.</summary>
public sealed record WebhookPayload(string Event, string Stack, string? Commit, string? Reason, string Host, DateTimeOffset At, string Text);

/// <summary>A Slack-compatible incoming webhook's body (Slack, Mattermost, Discord's <c>/slack</c> endpoint).</summary>
public sealed record SlackPayload(string Text);

/// <summary>Source-generated, so the native build serialises without reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WebhookPayload))]
[JsonSerializable(typeof(SlackPayload))]
internal sealed partial class NotificationJson : JsonSerializerContext;
