using Docker.DotNet;
using Docker.DotNet.Handler.Abstractions;
using Docker.DotNet.NativeHttp;
using Docker.DotNet.Unix;
using Microsoft.Extensions.Logging.Abstractions;

namespace Reconciler.Docker;

/// <summary>
/// Where the engine listens and how to talk to it. Resolution order: an explicit host string,
/// else <c>DOCKER_HOST</c>, else <c>unix:///var/run/docker.sock</c>. Supported schemes:
/// <c>unix://</c> and <c>tcp://</c> (plain HTTP; TLS is not supported). The Engine API version
/// is pinned to <see cref="ApiVersion"/> so engines as old as 20.10 answer.
/// </summary>
public sealed record DockerEndpoint
{
    public const string DefaultHost = "unix:///var/run/docker.sock";

    /// <summary>Docker Engine 20.10's API. Every request goes to <c>/v1.41/…</c>.</summary>
    public static Version ApiVersion { get; } = new(1, 41);

    /// <summary>The host as resolved (e.g. <c>unix:///var/run/docker.sock</c>, <c>tcp://10.0.0.5:2375</c>).</summary>
    public Uri Uri { get; }

    /// <summary>Where the value came from: "explicit", "DOCKER_HOST" or "default".</summary>
    public string Source { get; }

    private DockerEndpoint(Uri uri, string source)
    {
        Uri = uri;
        Source = source;
    }

    public bool IsUnixSocket => Uri.Scheme == "unix";

    /// <summary>
    /// Resolves the endpoint. <paramref name="environment"/> defaults to the process environment;
    /// tests pass their own lookup.
    /// </summary>
    /// <exception cref="DockerEndpointException">The host string is malformed or uses an unsupported scheme.</exception>
    public static DockerEndpoint Resolve(string? explicitHost = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string host;
        string source;
        if (!string.IsNullOrWhiteSpace(explicitHost))
        {
            (host, source) = (explicitHost.Trim(), "explicit");
        }
        else if (environment("DOCKER_HOST") is { } fromEnv && !string.IsNullOrWhiteSpace(fromEnv))
        {
            (host, source) = (fromEnv.Trim(), "DOCKER_HOST");
        }
        else
        {
            (host, source) = (DefaultHost, "default");
        }

        var endpoint = new DockerEndpoint(Parse(host, source), source);
        if (!endpoint.IsUnixSocket && IsTruthy(environment("DOCKER_TLS_VERIFY")))
        {
            throw new DockerEndpointException(
                $"DOCKER_TLS_VERIFY is set for {endpoint.Uri} ({source}), but TLS connections to the engine are not supported; " +
                "use a unix socket or a plain tcp:// endpoint reachable only from trusted hosts.");
        }
        return endpoint;
    }

    private static Uri Parse(string host, string source)
    {
        // "/var/run/docker.sock" without a scheme is what some people put in DOCKER_HOST.
        if (host.StartsWith('/'))
        {
            host = "unix://" + host;
        }

        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri))
        {
            throw new DockerEndpointException($"Docker host '{host}' ({source}) is not a valid URI; expected unix:///path/to/docker.sock or tcp://host:port.");
        }

        switch (uri.Scheme)
        {
            case "unix":
                if (string.IsNullOrEmpty(uri.AbsolutePath) || uri.AbsolutePath == "/")
                {
                    throw new DockerEndpointException($"Docker host '{host}' ({source}) names no socket path; expected unix:///path/to/docker.sock.");
                }
                return uri;
            case "tcp":
                if (string.IsNullOrEmpty(uri.Host))
                {
                    throw new DockerEndpointException($"Docker host '{host}' ({source}) names no host; expected tcp://host:port.");
                }
                // Docker's convention: tcp:// without a port means 2375 (plain).
                return new UriBuilder("tcp", uri.Host, uri.Port > 0 ? uri.Port : 2375).Uri;
            default:
                throw new DockerEndpointException(
                    $"Docker host '{host}' ({source}) uses the unsupported scheme '{uri.Scheme}://'; supported are unix:// and tcp://.");
        }
    }

    private static bool IsTruthy(string? value) =>
        !string.IsNullOrEmpty(value) && value != "0" && !value.Equals("false", StringComparison.OrdinalIgnoreCase);

    /// <summary>The URI handed to the transport: tcp is spoken as plain HTTP.</summary>
    internal Uri TransportUri => IsUnixSocket ? Uri : new UriBuilder("http", Uri.Host, Uri.Port).Uri;

    /// <summary>
    /// A Docker.DotNet client pinned to API <see cref="ApiVersion"/>, with the unix-socket transport
    /// (Docker.DotNet.Enhanced.Unix) or the SocketsHttpHandler transport for tcp. No client-side request
    /// timeout: long stops and pulls are bounded by the caller's CancellationToken instead.
    /// </summary>
    public DockerClient CreateClient()
    {
        var builder = new DockerClientBuilder()
            .WithEndpoint(TransportUri)
            .WithApiVersion(ApiVersion)
            .WithTimeout(Timeout.InfiniteTimeSpan);
        return IsUnixSocket
            ? builder.WithTransportOptions(new UnixSocketTransportOptions()).Build()
            : builder.WithTransportOptions(new NativeHttpTransportOptions()).Build();
    }

    /// <summary>
    /// A raw HTTP handler over the same transport implementation Docker.DotNet uses, for the few
    /// API 1.41 fields Docker.DotNet's (newer) models cannot express.
    /// </summary>
    internal (HttpMessageHandler Handler, Uri BaseAddress) CreateRawHandler()
    {
        var options = new ResolvedClientOptions
        {
            Endpoint = TransportUri,
            ApiVersion = ApiVersion,
            AuthProvider = NoopAuthProvider.Instance,
            Headers = new Dictionary<string, string>(),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var transport = IsUnixSocket
            ? global::Docker.DotNet.Unix.DockerHandlerFactory.Instance.CreateHandler(new UnixSocketTransportOptions(), options, NullLogger.Instance)
            : global::Docker.DotNet.NativeHttp.DockerHandlerFactory.Instance.CreateHandler(new NativeHttpTransportOptions(), options, NullLogger.Instance);
        return (transport.Handler, transport.EffectiveEndpoint);
    }

    public override string ToString() => $"{Uri} ({Source})";
}

/// <summary>The Docker host setting cannot be used.</summary>
public sealed class DockerEndpointException(string message) : Exception(message);
