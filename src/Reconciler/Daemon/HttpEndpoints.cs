using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;

namespace Reconciler.Daemon;

/// <summary>
/// The daemon's listener: liveness, readiness, a status snapshot, the status page and git webhooks. With
/// <c>webhook.listen</c> set, the webhook route answers only on that address and every other route
/// only on <c>metrics.listen</c> (see <see cref="DaemonListeners"/>).
/// </summary>
public static partial class HttpEndpoints
{
    /// <param name="poke">Wakes the named repo's watcher; false when there is no such watcher.</param>
    public static void Map(WebApplication app, DaemonConfig config, DaemonStatus status, Func<string, bool> poke)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Reconciler.Webhook");
        if (config.WebhookListen is not null) app.Use(DaemonListeners.KeepRoutesOnTheirListener);

        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () =>
        {
            var (ready, reasons) = status.Readiness();
            return ready ? Results.Text("ready\n") : Results.Text(string.Join("\n", reasons) + "\n", statusCode: 503);
        });
        app.MapGet("/status", (HttpRequest request) =>
        {
            if (config.StatusTokenFile is { } tokenFile && !HasBearer(request, SecretSources.ReadSecretFile(tokenFile)))
            {
                request.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
                return Results.Unauthorized();
            }
            return Results.Json(StatusDocument.From(status), StatusJson.Default.StatusDocument);
        });
        app.MapPost("/hooks/git/{repo}", async (string repo, HttpRequest request, CancellationToken ct) =>
        {
            var repoConfig = config.Repos.FirstOrDefault(r => r.Name == repo);
            if (repoConfig?.WebhookSecretFile is not { } secretFile) return Results.NotFound();
            var secret = SecretSources.ReadSecretFile(secretFile);
            if (secret is null) return Results.StatusCode(503);
            var body = await WebhookBody.ReadAsync(request, ct).ConfigureAwait(false);
            if (body is null)
            {
                Log.WebhookTooLarge(logger, repoConfig.Name, WebhookBody.Limit, request.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "chunked");
                return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
            }
            var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            if (!WebhookVerifier.IsAuthentic(headers, body, secret)) return Results.Unauthorized();
            return poke(repo) ? Results.Accepted() : Results.NotFound();
        }).WithMetadata(DaemonListeners.WebhookRoute.Instance);
        StatusPage.StatusPageEndpoints.Map(app, config, status); // GET /: the status page; GET /stacks/{name}/plan
    }

    /// <summary>
    /// Whether the request carries <c>Authorization: Bearer <paramref name="token"/></c>. Both sides are
    /// hashed first so that the comparison takes the same time whatever the lengths; no token (file
    /// missing or empty) lets nobody in.
    /// </summary>
    internal static bool HasBearer(HttpRequest request, string? token)
    {
        if (string.IsNullOrEmpty(token)) return false;
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private static partial class Log
    {
        [LoggerMessage(50, LogLevel.Warning, "webhook for repo {Repo} refused with 413: body larger than {Limit} bytes (Content-Length: {Length}); the commit still arrives by polling")]
        public static partial void WebhookTooLarge(ILogger logger, string repo, int limit, string length);
    }
}
