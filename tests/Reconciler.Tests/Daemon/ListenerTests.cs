using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Daemon;

namespace Reconciler.Tests.Daemon;

/// <summary>The webhook body limit, webhook.listen and the /status token, against real Kestrel on loopback.</summary>
public sealed class ListenerTests : IDisposable
{
    private const string Secret = "hook-secret-3f1c";
    private readonly string _dir = Directory.CreateTempSubdirectory("listener-tests-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private DaemonConfig Config(string? statusToken = null)
    {
        var secretFile = Path.Combine(_dir, "webhook-secret");
        File.WriteAllText(secretFile, Secret + "\n");
        string? tokenFile = null;
        if (statusToken is not null)
        {
            tokenFile = Path.Combine(_dir, "status-token");
            File.WriteAllText(tokenFile, statusToken + "\n");
        }
        return new DaemonConfig
        {
            Path = Path.Combine(_dir, "config.yaml"),
            StateDir = Path.Combine(_dir, "state"),
            StatusTokenFile = tokenFile,
            Repos = [new RepoConfig { Name = "infra", Url = "/srv/git/infra.git", WebhookSecretFile = secretFile }],
        };
    }

    private static HttpRequestMessage Signed(Uri listener, byte[] body, string secret = Secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(listener, "/hooks/git/infra")) { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)));
        return request;
    }

    [Fact]
    public async Task A_signed_webhook_within_the_limit_pokes_its_repo_and_a_wrong_signature_is_401()
    {
        await using var listener = await TestListener.StartAsync(Config());
        var body = Encoding.UTF8.GetBytes("{\"ref\":\"refs/heads/main\"}" + new string(' ', WebhookBody.Limit - 100));

        using var forged = await _http.SendAsync(Signed(listener.Webhook, body, secret: "not-the-secret"));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Empty(listener.Pokes);

        using var accepted = await _http.SendAsync(Signed(listener.Webhook, body));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(["infra"], listener.Pokes);
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_refused_with_413_before_any_body_is_sent()
    {
        await using var listener = await TestListener.StartAsync(Config());
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(listener.Webhook.Host, listener.Webhook.Port);

        // Headers only: a server that waited for the 50 MB it was promised would never answer.
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"POST /hooks/git/infra HTTP/1.1\r\nHost: x\r\nX-Hub-Signature-256: sha256=00\r\nContent-Length: {50 * 1024 * 1024}\r\n\r\n"));
        var response = await ReadStatusLineAsync(socket);

        Assert.StartsWith("HTTP/1.1 413", response, StringComparison.Ordinal);
        Assert.Empty(listener.Pokes);
        OneWarningWithoutStackTrace(listener);
    }

    [Fact]
    public async Task A_chunked_body_growing_past_the_limit_is_refused_with_413_and_one_warning_line()
    {
        await using var listener = await TestListener.StartAsync(Config());
        var body = new byte[WebhookBody.Limit + 64 * 1024];
        using var request = Signed(listener.Webhook, body);
        request.Content = new StreamContent(new MemoryStream(body)); // no length: sent chunked
        request.Headers.TransferEncodingChunked = true;

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(listener.Pokes);
        OneWarningWithoutStackTrace(listener);
    }

    private static void OneWarningWithoutStackTrace(TestListener listener)
    {
        var warning = Assert.Single(listener.Logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("413", warning.Message, StringComparison.Ordinal);
        Assert.Contains("infra", warning.Message, StringComparison.Ordinal);
        Assert.Null(warning.Exception);
        Assert.DoesNotContain(listener.Logs.Entries, e => e.Exception is not null || e.Message.Contains("   at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_webhook_listen_the_webhook_is_served_only_there_and_everything_else_only_on_metrics_listen()
    {
        await using var listener = await TestListener.StartAsync(Config(), separateWebhook: true);
        var body = "{\"ref\":\"refs/heads/main\"}"u8.ToArray();

        using (var onWebhook = await _http.SendAsync(Signed(listener.Webhook, body)))
            Assert.Equal(HttpStatusCode.Accepted, onWebhook.StatusCode);
        using (var onMetrics = await _http.SendAsync(Signed(listener.Metrics, body)))
            Assert.Equal(HttpStatusCode.NotFound, onMetrics.StatusCode);
        Assert.Equal(["infra"], listener.Pokes);

        foreach (var path in new[] { "/metrics", "/status", "/healthz", "/readyz" })
        {
            using var onMetrics = await _http.GetAsync(new Uri(listener.Metrics, path));
            Assert.NotEqual(HttpStatusCode.NotFound, onMetrics.StatusCode); // /readyz is 503 here: no docker, no fetch
            using var onWebhook = await _http.GetAsync(new Uri(listener.Webhook, path));
            Assert.Equal(HttpStatusCode.NotFound, onWebhook.StatusCode);
        }
    }

    [Fact]
    public async Task Without_webhook_listen_one_address_serves_the_webhook_and_status()
    {
        await using var listener = await TestListener.StartAsync(Config());

        using var hook = await _http.SendAsync(Signed(listener.Metrics, "{}"u8.ToArray()));
        using var status = await _http.GetAsync(new Uri(listener.Metrics, "/status"));

        Assert.Equal(HttpStatusCode.Accepted, hook.StatusCode);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
    }

    [Fact]
    public async Task With_a_status_token_status_needs_the_bearer_token_and_metrics_and_health_stay_open()
    {
        await using var listener = await TestListener.StartAsync(Config(statusToken: "s3cret-status-token"));
        var status = new Uri(listener.Metrics, "/status");

        using (var none = await _http.GetAsync(status))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        }
        foreach (var wrong in new[] { "s3cret-status-toke", "s3cret-status-token-and-more", "" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, status);
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + wrong);
            using var refused = await _http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        using (var request = new HttpRequestMessage(HttpMethod.Get, status))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-status-token");
            using var allowed = await _http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Contains("\"repos\"", await allowed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        foreach (var open in new[] { "/metrics", "/healthz" })
        {
            using var response = await _http.GetAsync(new Uri(listener.Metrics, open));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    private static async Task<string> ReadStatusLineAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), timeout.Token);
            if (n == 0) break;
            read += n;
            var text = Encoding.ASCII.GetString(buffer, 0, read);
            if (text.Contains("\r\n", StringComparison.Ordinal)) return text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
        }
        return Encoding.ASCII.GetString(buffer, 0, read);
    }
}
