using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Reconciler.Docker.Swarm;

/// <summary>
/// Raw JSON calls to the Swarm endpoints of API 1.41. Raw on purpose: the planner compares the spec
/// it would send with the engine's own JSON field by field, and a round trip through Docker.DotNet's
/// models (generated from a newer API) would add and drop fields on both sides of that comparison.
/// </summary>
internal sealed class SwarmApi : IDisposable
{
    private readonly HttpClient _http;
    private readonly DockerEndpoint _endpoint;
    private readonly string _prefix;

    public SwarmApi(DockerEndpoint endpoint)
    {
        _endpoint = endpoint;
        var (handler, baseAddress) = endpoint.CreateRawHandler();
        _http = new HttpClient(handler, disposeHandler: true) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        _prefix = $"v{DockerEndpoint.ApiVersion.Major}.{DockerEndpoint.ApiVersion.Minor}";
    }

    /// <param name="registryAuth">The <c>X-Registry-Auth</c> header's value, when the call reaches a registry.</param>
    public async Task<JsonNode?> GetAsync(string path, string operation, string subject, CancellationToken ct, string? registryAuth = null) =>
        Parse(await SendAsync(HttpMethod.Get, path, null, operation, subject, ct, registryAuth).ConfigureAwait(false));

    public async Task<JsonNode?> PostAsync(string path, string body, string operation, string subject, CancellationToken ct, string? registryAuth = null) =>
        Parse(await SendAsync(HttpMethod.Post, path, body, operation, subject, ct, registryAuth).ConfigureAwait(false));

    public Task DeleteAsync(string path, string operation, string subject, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, path, null, operation, subject, ct);

    /// <summary>"label=k=v" filters as the engine takes them in the query string.</summary>
    public static string LabelFilter(string label, string value) =>
        "filters=" + Uri.EscapeDataString(JsonSerializer.Serialize(new Dictionary<string, string[]> { ["label"] = [$"{label}={value}"] }, FilterJson.Default.DictionaryStringStringArray));

    private static JsonNode? Parse(string text) => string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);

    private async Task<string> SendAsync(HttpMethod method, string path, string? body, string operation, string subject, CancellationToken ct,
        string? registryAuth = null)
    {
        using var request = new HttpRequestMessage(method, $"{_prefix}/{path.TrimStart('/')}");
        if (registryAuth is not null) request.Headers.TryAddWithoutValidation("X-Registry-Auth", registryAuth);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
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
            if (response.IsSuccessStatusCode) return text;
            // The engine's message names objects, never secret data (it is write-only there).
            throw new DockerOperationException(operation, subject, EngineErrors.MessageFromBody(text, response.StatusCode),
                EngineErrors.KindOf(response.StatusCode), response.StatusCode);
        }
    }

    public static bool IsNotFound(Exception e) => e is DockerOperationException { StatusCode: HttpStatusCode.NotFound };

    public void Dispose() => _http.Dispose();
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string[]>))]
internal sealed partial class FilterJson : System.Text.Json.Serialization.JsonSerializerContext;
