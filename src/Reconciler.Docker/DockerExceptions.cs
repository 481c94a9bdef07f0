using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;

namespace Reconciler.Docker;

/// <summary>What kind of refusal the engine gave, for callers that branch on it.</summary>
public enum DockerErrorKind
{
    Other,
    NotFound,
    Conflict,
    BadRequest,
    Unauthorized,
    ServerError,
}

/// <summary>
/// An engine call failed. The message names the operation, the object and the engine's own
/// reason, e.g. <c>create container 'web-1': Conflict. The container name "/web-1" is already in use…</c>.
/// </summary>
public class DockerOperationException : Exception
{
    public DockerOperationException(string operation, string subject, string reason, DockerErrorKind kind, HttpStatusCode? statusCode = null, Exception? inner = null)
        : base($"{operation} {subject}: {reason}", inner)
    {
        Operation = operation;
        Subject = subject;
        Reason = reason;
        Kind = kind;
        StatusCode = statusCode;
    }

    public string Operation { get; }
    public string Subject { get; }
    /// <summary>The engine's message (or the transport's), without the operation prefix.</summary>
    public string Reason { get; }
    public DockerErrorKind Kind { get; }
    public HttpStatusCode? StatusCode { get; }
    public bool IsNotFound => Kind == DockerErrorKind.NotFound;
    public bool IsConflict => Kind == DockerErrorKind.Conflict;
}

/// <summary>
/// A container could not start because a host port it publishes is bound already (by another
/// container or process). The engine says so only in its message; this type is where that is read.
/// </summary>
public sealed class PortInUseException(string operation, string subject, string reason, IReadOnlyList<int> ports, HttpStatusCode? statusCode, Exception? inner)
    : DockerOperationException(operation, subject, reason, DockerErrorKind.ServerError, statusCode, inner)
{
    public IReadOnlyList<int> Ports { get; } = ports;
}

/// <summary>The engine could not be reached at all (socket missing, connection refused, …).</summary>
public sealed class DockerEngineUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A pull failed. <see cref="Exception.Message"/> names the image, the registry and the registry's
/// reason (manifest unknown, unauthorized, connection refused, …). Never contains credentials.
/// </summary>
public sealed class ImagePullException(string reference, string registry, string reason, bool usedCredentials, Exception? inner = null, bool notFound = false)
    : Exception($"pull image '{reference}' from registry {registry} failed: {reason}", inner)
{
    /// <summary>The registry has no such repository or tag: a fault of whoever named the image, which no retry cures.</summary>
    public bool NotFound { get; } = notFound;

    public string Reference { get; } = reference;
    public string Registry { get; } = registry;
    public string Reason { get; } = reason;
    /// <summary>Whether credentials from the Docker config were sent.</summary>
    public bool UsedCredentials { get; } = usedCredentials;
}

/// <summary>
/// A build failed: the builder's own error (a Dockerfile that does not parse, a <c>RUN</c> that exits
/// non-zero, a <c>COPY</c> of a missing file, a base image that does not exist), or the context could
/// not be read. <see cref="Exception.Message"/> names the image and carries the builder's words.
/// </summary>
public sealed class ImageBuildException(string image, string reason, bool transient = false, Exception? inner = null)
    : Exception($"build image '{image}' failed: {reason}", inner)
{
    public string Image { get; } = image;
    public string Reason { get; } = reason;

    /// <summary>
    /// Not the build's own fault: a registry the base image comes from could not be reached, or the
    /// context changed on disk between plan and build. Read at the wire from the builder's words.
    /// </summary>
    public bool Transient { get; } = transient;
}

internal static partial class EngineErrors
{
    /// <summary>
    /// The builder reports a base image it could not fetch only as text; these are the network's
    /// words (as opposed to "manifest unknown" or "not found", which are the commit's fault).
    /// </summary>
    public static bool NamesUnreachableRegistry(string reason) =>
        reason.Contains("dial tcp", StringComparison.OrdinalIgnoreCase)
        || reason.Contains("connection refused", StringComparison.OrdinalIgnoreCase)
        || reason.Contains("i/o timeout", StringComparison.OrdinalIgnoreCase)
        || reason.Contains("TLS handshake timeout", StringComparison.OrdinalIgnoreCase)
        || reason.Contains("no such host", StringComparison.OrdinalIgnoreCase)
        || reason.Contains("server misbehaving", StringComparison.OrdinalIgnoreCase)
        || reason.Contains("503 Service Unavailable", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The host ports a start refused because they are bound already. The engine reports this only as
    /// text: "Bind for 127.0.0.1:8080 failed: port is already allocated" (another container) or
    /// "listen tcp4 0.0.0.0:8080: bind: address already in use" (another process).
    /// </summary>
    public static IReadOnlyList<int> PortsRefused(string reason) =>
    [
        .. PortConflict().Matches(reason)
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .Distinct(),
    ];

    [System.Text.RegularExpressions.GeneratedRegex(@":(\d{1,5})(?: failed: port is already allocated|: bind: address already in use)")]
    private static partial System.Text.RegularExpressions.Regex PortConflict();

    public static DockerErrorKind KindOf(HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => DockerErrorKind.NotFound,
        HttpStatusCode.Conflict => DockerErrorKind.Conflict,
        HttpStatusCode.BadRequest => DockerErrorKind.BadRequest,
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => DockerErrorKind.Unauthorized,
        >= HttpStatusCode.InternalServerError => DockerErrorKind.ServerError,
        _ => DockerErrorKind.Other,
    };

    /// <summary>The engine answers errors as <c>{"message": "…"}</c>; fall back to the raw body.</summary>
    public static string MessageFromBody(string? body, HttpStatusCode status)
    {
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object &&
                    doc.RootElement.TryGetProperty("message", out var m) &&
                    m.ValueKind == JsonValueKind.String &&
                    !string.IsNullOrWhiteSpace(m.GetString()))
                {
                    return m.GetString()!.Trim();
                }
            }
            catch (JsonException)
            {
                // not JSON: use as is
            }
            return body.Trim();
        }
        return $"HTTP {(int)status} {status}";
    }

    public static bool IsTransportFailure(Exception e) =>
        e is HttpRequestException or SocketException or IOException ||
        (e.InnerException is { } inner && IsTransportFailure(inner));

    /// <summary>Runs one engine call and translates its failures into this adapter's exceptions.</summary>
    public static async Task<T> Run<T>(DockerEndpoint endpoint, string operation, string subject, Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            var reason = MessageFromBody(e.ResponseBody, e.StatusCode);
            if (PortsRefused(reason) is { Count: > 0 } ports) throw new PortInUseException(operation, subject, reason, ports, e.StatusCode, e);
            throw new DockerOperationException(operation, subject, reason, KindOf(e.StatusCode), e.StatusCode, e);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not DockerOperationException && e is not ImagePullException && IsTransportFailure(e))
        {
            throw Unavailable(endpoint, operation, subject, e);
        }
    }

    public static async Task Run(DockerEndpoint endpoint, string operation, string subject, Func<Task> call, CancellationToken ct) =>
        await Run(endpoint, operation, subject, async () =>
        {
            await call().ConfigureAwait(false);
            return true;
        }, ct).ConfigureAwait(false);

    public static DockerEngineUnavailableException Unavailable(DockerEndpoint endpoint, string operation, string subject, Exception e)
    {
        var root = e;
        while (root.InnerException is not null)
        {
            root = root.InnerException;
        }
        var detail = ReferenceEquals(root, e) ? e.Message : $"{e.Message} ({root.Message})";
        if (endpoint.IsUnixSocket && !File.Exists(endpoint.Uri.LocalPath))
        {
            detail = $"there is no socket at {endpoint.Uri.LocalPath} (is dockerd running?)";
        }
        return new DockerEngineUnavailableException(
            $"{operation} {subject}: the Docker engine at {endpoint.Uri} ({endpoint.Source}) is unreachable: {detail}", e);
    }
}
