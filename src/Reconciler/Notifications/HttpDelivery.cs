using System.Net;

namespace Reconciler.Notifications;

/// <summary>
/// The one way notifications and forge calls go out: an <see cref="HttpClient"/> with a timeout on
/// every call, and failures turned into <see cref="DeliveryFailedException"/> that say whether a
/// retry can help, naming the call by <c>what</c> (never by its URL, which may be the secret).
/// </summary>
public static class HttpDelivery
{
    /// <summary>No call to a provider waits longer than this.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>A client for one component; its timeout bounds each call.</summary>
    public static HttpClient NewClient(HttpMessageHandler? handler = null)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler);
        client.Timeout = Timeout;
        // GitHub refuses requests without a User-Agent; the others do not mind one.
        client.DefaultRequestHeaders.UserAgent.ParseAdd($"reconciler/{ProductVersion.Version}");
        return client;
    }

    /// <summary>
    /// Sends <paramref name="request"/> and returns the body of a 2xx answer (or of a failure
    /// <paramref name="acceptFailure"/> takes as done, by status code and body).
    /// </summary>
    /// <exception cref="DeliveryFailedException"/>
    public static async Task<string> SendAsync(HttpClient client, HttpRequestMessage request, string what, CancellationToken ct,
        Func<int, string, bool>? acceptFailure = null)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new DeliveryFailedException($"{what}: no answer within {client.Timeout.TotalSeconds:0}s", retryable: true, e);
        }
        catch (HttpRequestException e)
        {
            // Said in our words: the exception's message may quote the URL, which can be the secret.
            var why = e.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "host name not resolved",
                HttpRequestError.ConnectionError => "connection failed",
                HttpRequestError.SecureConnectionError => "TLS handshake failed",
                _ => "request failed",
            };
            throw new DeliveryFailedException($"{what}: {why}", retryable: true);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode || acceptFailure?.Invoke(code, body) == true) return body;
            var retryable = code >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
            throw new DeliveryFailedException($"{what}: HTTP {code} {response.ReasonPhrase}".TrimEnd(), retryable);
        }
    }

    /// <summary>A secret kept in a file (a token, a URL): read at each use, so a rotated file is picked up.</summary>
    public static string ReadSecret(string file)
    {
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The host's fault, and it may be fixed: retried like a provider that is down.
            throw new DeliveryFailedException($"cannot read {file}: {e.GetType().Name}", retryable: true);
        }
    }
}
