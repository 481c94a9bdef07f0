using System.Net.Http.Headers;
using System.Text.Json;

namespace Reconciler.Notifications;

/// <summary>
/// A Slack-compatible incoming webhook: <c>POST {"text": …}</c>. Slack, Mattermost and Discord (its
/// URL with <c>/slack</c> appended) take the same body. The URL is the secret, so it comes from a
/// file and never appears in an error.
/// </summary>
public sealed class SlackNotifier(HttpClient http, Func<string> url) : INotifier
{
    public async Task SendAsync(NotificationEvent e, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new SlackPayload(NotificationText.Of(e)), NotificationJson.Default.SlackPayload);
        using var request = new HttpRequestMessage(HttpMethod.Post, url()) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        await HttpDelivery.SendAsync(http, request, "slack webhook POST", ct).ConfigureAwait(false);
    }
}
