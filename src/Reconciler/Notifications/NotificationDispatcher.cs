using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Core.Policy;
using Reconciler.Daemon;

namespace Reconciler.Notifications;

/// <summary>
/// Turns the end of each pass (<see cref="DaemonStatus.PassCompleted"/>) into events
/// (<see cref="PassEvents"/>), lets each through once per dedup window, and posts it to every
/// provider whose filters (stacks, events) take it. Posting never blocks the pass: each provider
/// has its own <see cref="DeliveryQueue{T}"/>, delivered by this service's loops.
/// </summary>
public sealed class NotificationDispatcher : BackgroundService
{
    private readonly DaemonStatus _status;
    private readonly TimeProvider _time;
    private readonly string _host;
    private readonly EventDeduplicator _dedup;
    private readonly IReadOnlyList<(NotifierSettings Settings, DeliveryQueue<NotificationEvent> Queue)> _providers;
    private readonly ConcurrentDictionary<string, StackMemory> _memory = new(StringComparer.Ordinal);

    /// <param name="host">Names this host in every event; the config's host id replaces the machine name once it exists.</param>
    public NotificationDispatcher(NotificationSettings settings, DaemonStatus status, TimeProvider time, ILoggerFactory loggers,
        IReadOnlyDictionary<string, INotifier>? notifiers = null, string? host = null, DeliveryOptions? delivery = null)
    {
        _status = status;
        _time = time;
        _host = host ?? Environment.MachineName;
        _dedup = new EventDeduplicator(settings.DedupWindow, time);
        var logger = loggers.CreateLogger("Reconciler.Notify");
        var http = HttpDelivery.NewClient();
        _providers = [.. settings.Providers.Select(p =>
        {
            var notifier = notifiers?.GetValueOrDefault(p.Name) ?? Create(p, http);
            return (p, new DeliveryQueue<NotificationEvent>(p.Name, notifier.SendAsync, time, logger, status.CountNotification, status.NotifierReported, delivery));
        })];
    }

    /// <summary>The provider a config entry describes; its URL is read from its file at each send.</summary>
    public static INotifier Create(NotifierSettings p, HttpClient http)
    {
        Func<string> url = p.UrlFile is { } file ? () => HttpDelivery.ReadSecret(file) : () => p.Url!;
        return p.Kind switch
        {
            NotifierKind.Webhook => new WebhookNotifier(http, url, p.SecretFile),
            NotifierKind.Slack => new SlackNotifier(http, url),
            NotifierKind.Ntfy => new NtfyNotifier(http, url, p.SecretFile, p.Priority),
            _ => throw new ArgumentOutOfRangeException(nameof(p)),
        };
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Listening before the first pass ends: registered before the daemon's own service.
        _status.PassCompleted += OnPassCompleted;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _status.PassCompleted -= OnPassCompleted;
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_providers.Select(p => Task.Run(() => p.Queue.RunAsync(stoppingToken), stoppingToken)));

    /// <summary>Called on the stack's loop: only memory and queue writes, nothing that waits.</summary>
    public void OnPassCompleted(StackPassResult result, Trigger trigger)
    {
        var before = _memory.GetValueOrDefault(result.Stack) ?? StackMemory.Empty;
        var (events, next) = PassEvents.Of(result, before, _host, _time.GetUtcNow());
        _memory[result.Stack] = next;
        foreach (var e in events) Publish(e);
    }

    /// <summary>Posts <paramref name="e"/> to every provider that takes it, once per dedup window.</summary>
    public void Publish(NotificationEvent e)
    {
        var takers = _providers.Where(p => Takes(p.Settings, e)).ToList();
        if (takers.Count == 0) return;
        var first = _dedup.FirstWithinWindow(e);
        foreach (var (settings, queue) in takers)
        {
            if (first) queue.Post(e);
            else _status.CountNotification(settings.Name, "deduplicated");
        }
    }

    internal static bool Takes(NotifierSettings p, NotificationEvent e) =>
        (p.Stacks.IsEmpty || p.Stacks.Contains(e.Stack)) && (p.Events.IsEmpty || p.Events.Contains(e.Kind));
}
