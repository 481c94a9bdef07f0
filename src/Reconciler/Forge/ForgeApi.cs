using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Reconciler.Notifications;

namespace Reconciler.Forge;

/// <summary>
/// What the three clients share: URLs under the API root, JSON bodies, the token read from its file
/// at each call (so a rotated token is picked up), and calls named by method and path in errors.
/// </summary>
internal abstract class ForgeApi(HttpClient http, Uri apiUrl, string tokenFile)
{
    /// <summary>How many pages of a list are read at most (100 items a page where the API allows).</summary>
    protected const int MaxPages = 10;

    protected HttpClient Http => http;

    /// <summary>Each provider's authentication and content negotiation headers.</summary>
    protected abstract void Authorize(HttpRequestMessage request, string token);

    protected static string Segment(string s) => Uri.EscapeDataString(s);

    protected async Task<string> SendAsync(HttpMethod method, string path, string? json, CancellationToken ct,
        Func<int, string, bool>? acceptFailure = null)
    {
        using var request = new HttpRequestMessage(method, apiUrl.AbsoluteUri.TrimEnd('/') + path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        Authorize(request, HttpDelivery.ReadSecret(tokenFile));
        // The path names repository, commit and request: no secret, and what an operator needs to know.
        var what = $"{method} {path.Split('?')[0]}";
        return await HttpDelivery.SendAsync(http, request, what, ct, acceptFailure).ConfigureAwait(false);
    }

    protected static string Json<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);

    protected static T Parse<T>(string body, JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw new JsonException("null");
        }
        catch (JsonException)
        {
            throw new DeliveryFailedException($"{what}: the answer is not the JSON the API documents", retryable: false);
        }
    }

    /// <summary>Finds the comment holding the marker (listed page by page), then updates or creates it.</summary>
    protected async Task UpsertAsync(Func<int, CancellationToken, Task<List<CommentItem>>> page, int pageSize,
        Func<long, Task> update, Func<Task> create, string marker, CancellationToken ct)
    {
        for (var p = 1; p <= MaxPages; p++)
        {
            var items = await page(p, ct).ConfigureAwait(false);
            if (items.FirstOrDefault(c => c.Body?.Contains(marker, StringComparison.Ordinal) == true) is { } mine)
            {
                await update(mine.Id).ConfigureAwait(false);
                return;
            }
            if (items.Count < pageSize) break;
        }
        await create().ConfigureAwait(false);
    }
}
