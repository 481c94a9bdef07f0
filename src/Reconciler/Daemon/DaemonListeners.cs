using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Reconciler.Daemon;

/// <summary>
/// The addresses Kestrel listens on: <c>metrics.listen</c> always, and <c>webhook.listen</c> when set,
/// so that the webhook can face a forge while <c>/metrics</c> and <c>/status</c> stay on loopback.
/// Connections on the webhook address are tagged when accepted, and a route answers only on its
/// own listener: the tag is the connection's, not something a request could claim (a Host header).
/// </summary>
public static class DaemonListeners
{
    private const string ListenerKey = "reconciler.listener";
    private const string WebhookListener = "webhook";

    /// <summary>Endpoint metadata of <c>POST /hooks/git/{repo}</c>.</summary>
    public sealed class WebhookRoute
    {
        public static readonly WebhookRoute Instance = new();
        private WebhookRoute() { }
    }

    public static void Configure(KestrelServerOptions kestrel, IPEndPoint metrics, IPEndPoint? webhook)
    {
        // No route takes a body but the webhook; its own limit is lower still (WebhookBody).
        kestrel.Limits.MaxRequestBodySize = WebhookBody.Limit;
        kestrel.Listen(metrics);
        if (webhook is null) return;
        kestrel.Listen(webhook, listen => listen.Use(next => connection =>
        {
            connection.Items[ListenerKey] = WebhookListener;
            return next(connection);
        }));
    }

    /// <summary>Middleware, used when <c>webhook.listen</c> is set: any route asked on the other listener is not found.</summary>
    public static Task KeepRoutesOnTheirListener(HttpContext context, RequestDelegate next)
    {
        var onWebhookListener = context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ListenerKey, out var listener) == true
            && listener as string == WebhookListener;
        var isWebhookRoute = context.GetEndpoint()?.Metadata.GetMetadata<WebhookRoute>() is not null;
        if (onWebhookListener == isWebhookRoute) return next(context);
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
