using System.Threading.Channels;
using Reconciler.Daemon;
using Microsoft.Extensions.Logging;

namespace Reconciler.Notifications;

/// <summary>
/// One provider's outbox: <see cref="Post"/> never blocks the pass that posts (a bounded queue that
/// drops its oldest item when full, counted), and one loop delivers in order, retrying a failure
/// that may pass with exponential backoff on <see cref="TimeProvider"/> (1 s, 2 s, 4 s, … at most
/// 5 min) up to <see cref="DeliveryOptions.MaxAttempts"/>, then gives the item up and reports the
/// provider failing (/status, <c>reconciler_notifications_total{result="failed"}</c>).
/// </summary>
public sealed class DeliveryQueue<T>
{
    private readonly Channel<T> _channel;
    private readonly Func<T, CancellationToken, Task> _send;
    private readonly DeliveryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<string, string> _count;
    private readonly Action<ProviderHealth> _report;
    private readonly Lock _gate = new();
    private ProviderHealth _health;

    /// <param name="count">(provider, result) per delivery outcome: sent, retried, failed, dropped.</param>
    /// <param name="report">The provider's health after each change.</param>
    public DeliveryQueue(string provider, Func<T, CancellationToken, Task> send, TimeProvider time, ILogger logger,
        Action<string, string>? count = null, Action<ProviderHealth>? report = null, DeliveryOptions? options = null)
    {
        Provider = provider;
        _send = send;
        _time = time;
        _logger = logger;
        _count = count ?? ((_, _) => { });
        _report = report ?? (_ => { });
        _options = options ?? new DeliveryOptions();
        _health = new ProviderHealth(provider);
        _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(_options.Capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        }, _ => Dropped());
        _report(_health);
    }

    public string Provider { get; }

    public ProviderHealth Health { get { lock (_gate) return _health; } }

    /// <summary>Queues an item; when the queue is full the oldest item is dropped (and counted).</summary>
    public void Post(T item) => _channel.Writer.TryWrite(item);

    /// <summary>Delivers until <paramref name="ct"/> is cancelled; never throws otherwise.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (await _channel.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
                while (_channel.Reader.TryRead(out var item))
                    await DeliverAsync(item, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(T item, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _send(item, ct).ConfigureAwait(false);
                _count(Provider, "sent");
                Update(h => h with { Failing = false, FailuresInARow = 0, LastSuccess = _time.GetUtcNow() });
                return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                // A bug of ours in a send (a bad URL, say) must not end the loop: it counts as a failure.
                // Only our own messages are shown: another exception's could quote a URL or token.
                var retryable = e is DeliveryFailedException { Retryable: true };
                var message = e is DeliveryFailedException ? e.Message : $"unexpected {e.GetType().Name} while sending";
                Update(h => h with { FailuresInARow = h.FailuresInARow + 1, LastError = message });
                if (!retryable || attempt >= _options.MaxAttempts)
                {
                    _count(Provider, "failed");
                    Update(h => h with { Failing = true });
                    DeliveryLog.GaveUp(_logger, Provider, attempt, message);
                    return;
                }
                var delay = Backoff(attempt, _options);
                _count(Provider, "retried");
                DeliveryLog.Retrying(_logger, Provider, attempt, delay.TotalSeconds, message);
                await Task.Delay(delay, _time, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The wait after failed attempt number <paramref name="attempt"/>: the first delay, doubling, at most the maximum.</summary>
    public static TimeSpan Backoff(int attempt, DeliveryOptions options) =>
        TimeSpan.FromTicks(Math.Min(options.MaxDelay.Ticks, options.FirstDelay.Ticks * (1L << Math.Clamp(attempt - 1, 0, 20))));

    private void Dropped()
    {
        _count(Provider, "dropped");
        Update(h => h with { Dropped = h.Dropped + 1 });
    }

    private void Update(Func<ProviderHealth, ProviderHealth> change)
    {
        ProviderHealth next;
        lock (_gate) next = _health = change(_health);
        _report(next);
    }
}

/// <summary>The log lines of <see cref="DeliveryQueue{T}"/> (source-generated methods cannot live in a generic type).</summary>
internal static partial class DeliveryLog
{
    [LoggerMessage(90, LogLevel.Warning, "notify provider={Provider} attempt {Attempt} failed, retrying in {Seconds:0}s: {Error}")]
    public static partial void Retrying(ILogger logger, string provider, int attempt, double seconds, string error);

    [LoggerMessage(91, LogLevel.Error, "notify provider={Provider} gave up after {Attempts} attempts: {Error}")]
    public static partial void GaveUp(ILogger logger, string provider, int attempts, string error);
}
