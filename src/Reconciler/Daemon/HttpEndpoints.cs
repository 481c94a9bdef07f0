using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Reconciler.Configuration;

namespace Reconciler.Daemon;

/// <summary>The daemon's listener: liveness, readiness, a status snapshot and git webhooks.</summary>
public static class HttpEndpoints
{
    private const int MaxWebhookBody = 5 * 1024 * 1024;

    public static void Map(WebApplication app, DaemonConfig config, DaemonStatus status, Func<DaemonService> daemon)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () =>
        {
            var (ready, reasons) = status.Readiness();
            return ready ? Results.Text("ready\n") : Results.Text(string.Join("\n", reasons) + "\n", statusCode: 503);
        });
        app.MapGet("/status", () => Results.Json(StatusDocument.From(status), StatusJson.Default.StatusDocument));
        app.MapPost("/hooks/git/{repo}", async (string repo, HttpRequest request, CancellationToken ct) =>
        {
            var repoConfig = config.Repos.FirstOrDefault(r => r.Name == repo);
            if (repoConfig?.WebhookSecretFile is not { } secretFile) return Results.NotFound();
            var secret = SecretSources.ReadSecretFile(secretFile);
            if (secret is null) return Results.StatusCode(503);
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, ct).ConfigureAwait(false);
            if (buffer.Length > MaxWebhookBody) return Results.StatusCode(413);
            var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            if (!WebhookVerifier.IsAuthentic(headers, buffer.ToArray(), secret)) return Results.Unauthorized();
            if (!daemon().Watchers.TryGetValue(repo, out var watcher)) return Results.NotFound();
            watcher.Poke();
            return Results.Accepted();
        });
    }
}
