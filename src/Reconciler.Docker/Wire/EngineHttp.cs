using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Reconciler.Docker.Wire;

/// <summary>
/// Raw JSON requests to <c>/v1.41/…</c> over the same transport as the Docker.DotNet client.
/// Used only where Docker.DotNet's models (generated from a newer API) cannot carry an API 1.41
/// field: <c>Config.MacAddress</c> at container create, <c>CheckDuplicate</c> at network create; and
/// for the streams: <c>/events</c>, and <c>/build</c> with its tar body.
/// </summary>
internal sealed class EngineHttp : IDisposable
{
    private readonly HttpClient _http;
    private readonly DockerEndpoint _endpoint;
    private readonly string _prefix;

    public EngineHttp(DockerEndpoint endpoint)
    {
        _endpoint = endpoint;
        var (handler, baseAddress) = endpoint.CreateRawHandler();
        _http = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _prefix = $"v{DockerEndpoint.ApiVersion.Major}.{DockerEndpoint.ApiVersion.Minor}";
    }

    public async Task<TResponse> PostJsonAsync<TBody, TResponse>(
        string pathAndQuery,
        TBody body,
        JsonTypeInfo<TBody> bodyType,
        JsonTypeInfo<TResponse> responseType,
        string operation,
        string subject,
        CancellationToken ct)
    {
        var json = JsonSerializer.Serialize(body, bodyType);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_prefix}/{pathAndQuery.TrimStart('/')}")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (EngineErrors.IsTransportFailure(e) || e is TaskCanceledException)
        {
            throw EngineErrors.Unavailable(_endpoint, operation, subject, e);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new DockerOperationException(
                    operation,
                    subject,
                    EngineErrors.MessageFromBody(text, response.StatusCode),
                    EngineErrors.KindOf(response.StatusCode),
                    response.StatusCode);
            }
            return JsonSerializer.Deserialize(text, responseType)
                ?? throw new DockerOperationException(operation, subject, "the engine answered with an empty body", DockerErrorKind.Other, response.StatusCode);
        }
    }

    /// <summary>
    /// <c>GET</c> a streaming endpoint (<c>/events</c>): returns once the engine has answered with
    /// its headers, so the caller knows the stream is open before it reads anything else.
    /// </summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(string pathAndQuery, string operation, string subject, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_prefix}/{pathAndQuery.TrimStart('/')}");
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (EngineErrors.IsTransportFailure(e) || e is TaskCanceledException)
        {
            throw EngineErrors.Unavailable(_endpoint, operation, subject, e);
        }
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                throw new DockerOperationException(operation, subject, EngineErrors.MessageFromBody(text, response.StatusCode),
                    EngineErrors.KindOf(response.StatusCode), response.StatusCode);
            }
        }
        return response;
    }

    /// <summary>
    /// <c>POST</c> a body to a streaming endpoint (<c>/build</c>): returns once the engine has answered
    /// with its headers; the caller reads the stream. An error status is thrown with the engine's message.
    /// </summary>
    public async Task<HttpResponseMessage> PostStreamAsync(
        string pathAndQuery, HttpContent content, IReadOnlyDictionary<string, string> headers, string operation, string subject, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{_prefix}/{pathAndQuery.TrimStart('/')}") { Content = content };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (EngineErrors.IsTransportFailure(e) || e is TaskCanceledException)
        {
            throw EngineErrors.Unavailable(_endpoint, operation, subject, e);
        }
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                throw new DockerOperationException(operation, subject, EngineErrors.MessageFromBody(text, response.StatusCode),
                    EngineErrors.KindOf(response.StatusCode), response.StatusCode);
            }
        }
        return response;
    }

    public void Dispose() => _http.Dispose();
}
