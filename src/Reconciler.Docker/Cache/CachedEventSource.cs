using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Reconciler.Docker.Cache;

/// <summary>
/// Container events of one project, from the engine cache's one event stream instead of a stream
/// of its own per project: a hundred stacks' watchers cost the engine one subscription, not a
/// hundred and one. A subscriber gets the recent events from <c>since</c> on (the last
/// <see cref="Kept"/>, as the engine's own <c>since</c> would replay them) and then the live ones;
/// when the cache loses the engine's stream, every subscription ends with an error, so each
/// watcher looks at its containers again once the engine is back, as after its own stream broke.
/// </summary>
internal sealed class CachedEventSource : IDockerEventSource
{
    /// <summary>How far back a new subscription can ask for events.</summary>
    internal static readonly TimeSpan Kept = TimeSpan.FromSeconds(30);
    private const int MaxKept = 5000;
    private static readonly TimeSpan SyncPoll = TimeSpan.FromMilliseconds(250);

    private readonly EngineCache _cache;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Queue<ContainerEvent> _recent = new();
    private readonly List<(string Project, ChannelWriter<ContainerEvent> Writer)> _subscribers = [];

    public CachedEventSource(EngineCache cache, TimeProvider time)
    {
        _cache = cache;
        _time = time;
        cache.ContainerChanged += OnEvent;
        cache.StreamLost += OnLost;
    }

    public async IAsyncEnumerable<ContainerEvent> ContainerEventsAsync(string project, DateTimeOffset? since = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(project);
        // Before the cache follows the engine there is nothing to subscribe to: wait, as a stream
        // of one's own would wait for the engine to answer.
        while (!_cache.IsSynced) await Task.Delay(SyncPoll, _time, ct).ConfigureAwait(false);

        var channel = Channel.CreateUnbounded<ContainerEvent>(new UnboundedChannelOptions { SingleReader = true });
        var subscriber = (project, channel.Writer);
        lock (_gate)
        {
            foreach (var e in _recent)
                if (Of(e, project) && (since is null || e.Time >= since)) channel.Writer.TryWrite(e);
            _subscribers.Add(subscriber);
        }
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false)) yield return e;
        }
        finally
        {
            lock (_gate) _subscribers.Remove(subscriber);
        }
    }

    private void OnEvent(ContainerEvent e)
    {
        lock (_gate)
        {
            _recent.Enqueue(e);
            var oldest = _time.GetUtcNow() - Kept;
            while (_recent.Count > MaxKept || _recent.Count > 0 && _recent.Peek().Time < oldest) _recent.Dequeue();
            foreach (var (project, writer) in _subscribers)
                if (Of(e, project)) writer.TryWrite(e);
        }
    }

    private void OnLost(string why)
    {
        lock (_gate)
        {
            foreach (var (_, writer) in _subscribers)
                writer.TryComplete(new DockerEngineUnavailableException($"the engine's event stream is down: {why}"));
            _subscribers.Clear();
        }
    }

    private static bool Of(ContainerEvent e, string project) =>
        e.Attributes.TryGetValue(ObservedStateReader.ProjectLabel, out var p) && p == project;
}
