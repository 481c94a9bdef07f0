using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Reconciler.Notifications;

/// <summary>
/// A generic webhook: <c>POST</c> of <see cref="WebhookPayload"/> as JSON, signed when a secret file
/// is set: <c>X-Reconciler-Signature: sha256=HEX</c>, the HMAC-SHA256 of the exact body bytes
/// (as GitHub's <c>X-Hub-Signature-256</c>), so the receiver can check who sent it.
/// </summary>
public sealed class WebhookNotifier(HttpClient http, Func<string> url, string? secretFile) : INotifier
{
    public const string SignatureHeader = "X-Reconciler-Signature";

    public async Task SendAsync(NotificationEvent e, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new WebhookPayload(e.Kind, e.Stack, e.Commit, e.Reason, e.Host, e.At, NotificationText.Of(e)), NotificationJson.Default.WebhookPayload);
        using var request = new HttpRequestMessage(HttpMethod.Post, url()) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        if (secretFile is not null) request.Headers.Add(SignatureHeader, Signature(HttpDelivery.ReadSecret(secretFile), body));
        await HttpDelivery.SendAsync(http, request, "webhook POST", ct).ConfigureAwait(false);
    }

    /// <summary><c>sha256=</c> and the lowercase hex HMAC-SHA256 of <paramref name="body"/> keyed by <paramref name="secret"/> (UTF-8).</summary>
    public static string Signature(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
