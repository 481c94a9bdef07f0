using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Reconciler.Daemon;

/// <summary>
/// Reads a webhook's body, never holding more than <see cref="Limit"/> bytes: the signature can only
/// be checked over the whole body, so the size is what stands between an unauthenticated sender and
/// the daemon's memory.
/// </summary>
internal static class WebhookBody
{
    /// <summary>
    /// 1 MiB. The daemon only needs to be told that something was pushed (it fetches the ref itself);
    /// a forge's push event is a few KB, and GitHub's largest (25 MB, thousands of commits) is
    /// refused with 413 and arrives by polling at the repo's interval instead.
    /// </summary>
    public const int Limit = 1024 * 1024;

    /// <summary>The body, or null when it is larger than <see cref="Limit"/> (nothing past the limit is read).</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        // A declared length over the limit is refused before a byte is read.
        if (request.ContentLength > Limit) return null;
        // Kestrel then refuses, while reading, a chunked body that grows past the limit.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = Limit;
        var body = new ArrayBufferWriter<byte>(request.ContentLength is { } declared ? (int)Math.Max(declared, 1) : 16 * 1024);
        try
        {
            while (true)
            {
                // One byte past the limit is enough to know: the bounded read does not rely on Kestrel.
                var room = Limit + 1 - body.WrittenCount;
                var read = await request.Body.ReadAsync(body.GetMemory(Math.Min(room, 16 * 1024))[..Math.Min(room, 16 * 1024)], ct).ConfigureAwait(false);
                if (read == 0) return body.WrittenSpan.ToArray();
                body.Advance(read);
                if (body.WrittenCount > Limit) return null;
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }
}
