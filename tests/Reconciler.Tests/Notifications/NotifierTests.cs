using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Reconciler.Configuration;
using Reconciler.Daemon;
using Reconciler.Notifications;
using Reconciler.Tests.Daemon;
using Reconciler.TestSupport;

namespace Reconciler.Tests.Notifications;

/// <summary>
/// The three notification providers against a local server that checks each request against the
/// provider's documented shape; delivery retries on a fake clock; deduplication.
/// </summary>
public sealed class NotifierTests : IDisposable
{
    private readonly RecordingHttpServer _server = RecordingHttpServer.Start();
    private readonly HttpClient _http = HttpDelivery.NewClient();
    private readonly string _dir = Directory.CreateTempSubdirectory("notify-").FullName;

    private static readonly NotificationEvent Failed = new(NotificationKinds.Failed, "shop", "0123456789abcdef0123456789abcdef01234567",
        "app/compose.yaml:4: services.web.image: required", "host1", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    private string Secret(string name, string value)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, value + "\n");
        return path;
    }

    private string Url(string path) => new Uri(_server.BaseUri, path).ToString();

    [Fact]
    public async Task Webhook_posts_the_event_as_json_signed_with_the_hmac_sha256_of_the_body()
    {
        await new WebhookNotifier(_http, () => Url("/hooks/reconciler"), Secret("hmac", "s3cret")).SendAsync(Failed, default);

        var r = Assert.Single(_server.Requests);
        Assert.Equal("POST", r.Method);
        Assert.Equal("/hooks/reconciler", r.PathAndQuery);
        Assert.StartsWith("application/json", r.Header("Content-Type"));
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("s3cret"), Encoding.UTF8.GetBytes(r.Body)));
        Assert.Equal(expected, r.Header(WebhookNotifier.SignatureHeader));
        var body = JsonDocument.Parse(r.Body).RootElement;
        Assert.Equal("failed", body.GetProperty("event").GetString());
        Assert.Equal("shop", body.GetProperty("stack").GetString());
        Assert.Equal(Failed.Commit, body.GetProperty("commit").GetString());
        Assert.Equal(Failed.Reason, body.GetProperty("reason").GetString());
        Assert.Equal("host1", body.GetProperty("host").GetString());
        Assert.Equal(Failed.At, body.GetProperty("at").GetDateTimeOffset());
        Assert.Equal("shop: 0123456 failed on host1: app/compose.yaml:4: services.web.image: required", body.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Webhook_without_a_secret_sends_no_signature()
    {
        await new WebhookNotifier(_http, () => Url("/h"), secretFile: null).SendAsync(Failed, default);
        Assert.Null(Assert.Single(_server.Requests).Header(WebhookNotifier.SignatureHeader));
    }

    [Fact]
    public async Task Slack_compatible_webhook_gets_a_text_body_from_the_url_in_its_file()
    {
        var urlFile = Secret("slack-url", Url("/services/T000/B000/XXXX"));
        var notifier = NotificationDispatcher.Create(new NotifierSettings { Name = "chat", Kind = NotifierKind.Slack, UrlFile = urlFile }, _http);
        await notifier.SendAsync(Failed with { Kind = NotificationKinds.RolledBack }, default);

        var r = Assert.Single(_server.Requests);
        Assert.Equal("POST", r.Method);
        Assert.Equal("/services/T000/B000/XXXX", r.PathAndQuery);
        Assert.StartsWith("application/json", r.Header("Content-Type"));
        var body = JsonDocument.Parse(r.Body).RootElement;
        Assert.Equal(["text"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("shop: 0123456 failed on host1 and was rolled back: app/compose.yaml:4: services.web.image: required", body.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Ntfy_posts_the_text_to_the_topic_with_title_tags_priority_and_a_bearer_token()
    {
        var notifier = new NtfyNotifier(_http, () => Url("/deploys"), Secret("ntfy-token", "tk_abc"), troublePriority: "urgent");
        await notifier.SendAsync(Failed, default);
        await notifier.SendAsync(Failed with { Kind = NotificationKinds.Deployed, Reason = null }, default);

        var trouble = _server.Requests[0];
        Assert.Equal("POST", trouble.Method);
        Assert.Equal("/deploys", trouble.PathAndQuery);
        Assert.Equal("shop: 0123456 failed on host1: app/compose.yaml:4: services.web.image: required", trouble.Body);
        Assert.Equal("reconciler: shop failed", trouble.Header("Title"));
        Assert.Equal("x,shop", trouble.Header("Tags"));
        Assert.Equal("urgent", trouble.Header("Priority"));
        Assert.Equal("Bearer tk_abc", trouble.Header("Authorization"));
        var fine = _server.Requests[1];
        Assert.Equal("default", fine.Header("Priority"));
        Assert.Equal("white_check_mark,shop", fine.Header("Tags"));
        Assert.Equal("shop: deployed 0123456 on host1", fine.Body);
    }

    [Fact]
    public async Task A_delivery_answered_500_is_retried_after_a_backoff_on_the_clock_and_then_sent()
    {
        var calls = 0;
        _server.Respond = _ => Interlocked.Increment(ref calls) == 1 ? (500, "{}") : (200, "{}");
        var clock = new FakeClock();
        var counted = new List<string>();
        ProviderHealth? health = null;
        var queue = new DeliveryQueue<NotificationEvent>("chat", new SlackNotifier(_http, () => Url("/s")).SendAsync, clock,
            NullLogger.Instance, (_, result) => { lock (counted) counted.Add(result); }, h => health = h);
        using var stop = new CancellationTokenSource();
        var loop = queue.RunAsync(stop.Token);
        queue.Post(Failed);

        await _server.WaitForAsync(_ => true, 1);
        await clock.WaitForTimersAsync(1);
        Assert.Single(_server.Requests); // waiting for the clock, not retrying at once
        Assert.Equal("slack webhook POST: HTTP 500 Internal Server Error", health!.LastError);
        clock.Advance(DeliveryQueue<NotificationEvent>.Backoff(1, new DeliveryOptions()));
        await _server.WaitForAsync(_ => true, 2);
        await FakeClock.UntilAsync(() => health.LastSuccess is not null, "the retry recorded as a success");

        Assert.Equal(_server.Requests[0].Body, _server.Requests[1].Body);
        lock (counted) Assert.Equal(["retried", "sent"], counted);
        Assert.False(health.Failing);
        Assert.Equal(0, health.FailuresInARow);
        stop.Cancel();
        await loop;
    }

    [Fact]
    public void Backoff_doubles_from_one_second_up_to_five_minutes()
    {
        var o = new DeliveryOptions();
        Assert.Equal(TimeSpan.FromSeconds(1), DeliveryQueue<int>.Backoff(1, o));
        Assert.Equal(TimeSpan.FromSeconds(2), DeliveryQueue<int>.Backoff(2, o));
        Assert.Equal(TimeSpan.FromSeconds(16), DeliveryQueue<int>.Backoff(5, o));
        Assert.Equal(TimeSpan.FromMinutes(5), DeliveryQueue<int>.Backoff(12, o));
    }

    [Fact]
    public async Task A_provider_that_refuses_is_not_retried_and_is_reported_failing_until_a_delivery_succeeds()
    {
        var refuse = true;
        _server.Respond = _ => Volatile.Read(ref refuse) ? (403, "{}") : (200, "{}");
        var status = new DaemonStatus(TimeProvider.System);
        var queue = new DeliveryQueue<NotificationEvent>("ops", new WebhookNotifier(_http, () => Url("/h"), null).SendAsync, new FakeClock(),
            NullLogger.Instance, status.CountNotification, status.NotifierReported);
        using var stop = new CancellationTokenSource();
        var loop = queue.RunAsync(stop.Token);
        queue.Post(Failed);
        await FakeClock.UntilAsync(() => status.Notifiers.Single().Failing, "the provider reported failing");
        Assert.Single(_server.Requests);
        var view = StatusDocument.From(status).Notifications!.Single();
        Assert.Equal("ops", view.Provider);
        Assert.True(view.Failing);
        Assert.Equal("webhook POST: HTTP 403 Forbidden", view.LastError);

        Volatile.Write(ref refuse, false);
        queue.Post(Failed);
        await FakeClock.UntilAsync(() => !status.Notifiers.Single().Failing, "the provider healthy again");
        stop.Cancel();
        await loop;
    }

    [Fact]
    public void A_full_queue_drops_its_oldest_item_and_counts_it()
    {
        var counted = new List<string>();
        var queue = new DeliveryQueue<int>("p", (_, _) => Task.CompletedTask, new FakeClock(), NullLogger.Instance,
            (_, result) => counted.Add(result), options: new DeliveryOptions { Capacity = 2 });
        queue.Post(1);
        queue.Post(2);
        queue.Post(3);
        Assert.Equal(["dropped"], counted);
        Assert.Equal(1, queue.Health.Dropped);
    }

    [Fact]
    public async Task Identical_events_within_the_window_are_sent_once_and_again_after_it()
    {
        var clock = new FakeClock();
        var status = new DaemonStatus(clock);
        var counted = new List<(string, string)>();
        status.NotificationCounted += (p, r) => { lock (counted) counted.Add((p, r)); };
        var settings = new NotificationSettings
        {
            DedupWindow = TimeSpan.FromMinutes(10),
            Providers = [new NotifierSettings { Name = "ops", Kind = NotifierKind.Webhook, Url = Url("/h") }],
        };
        var dispatcher = new NotificationDispatcher(settings, status, clock, NullLoggerFactory.Instance, host: "host1");
        using var stop = new CancellationTokenSource();
        await dispatcher.StartAsync(stop.Token);

        dispatcher.Publish(Failed);
        dispatcher.Publish(Failed with { At = Failed.At.AddMinutes(1) });
        dispatcher.Publish(Failed with { Reason = "another reason" });
        await _server.WaitForAsync(_ => true, 2);
        clock.Advance(TimeSpan.FromMinutes(11));
        dispatcher.Publish(Failed);
        await _server.WaitForAsync(_ => true, 3);

        var reasons = _server.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("reason").GetString()).ToList();
        Assert.Equal([Failed.Reason, "another reason", Failed.Reason], reasons);
        lock (counted) Assert.Single(counted, c => c == ("ops", "deduplicated"));
        stop.Cancel();
        await dispatcher.StopAsync(default);
    }

    [Fact]
    public void A_provider_takes_only_the_stacks_and_events_it_lists()
    {
        var p = new NotifierSettings { Name = "p", Kind = NotifierKind.Ntfy, Url = "http://x", Stacks = ["shop"], Events = ["failed", "rolled_back"] };
        Assert.True(NotificationDispatcher.Takes(p, Failed));
        Assert.False(NotificationDispatcher.Takes(p, Failed with { Stack = "blog" }));
        Assert.False(NotificationDispatcher.Takes(p, Failed with { Kind = NotificationKinds.Deployed }));
        Assert.True(NotificationDispatcher.Takes(p with { Stacks = [], Events = [] }, Failed with { Stack = "blog", Kind = NotificationKinds.Held }));
    }

    public void Dispose()
    {
        _server.Dispose();
        _http.Dispose();
    }
}
