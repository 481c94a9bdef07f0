using Microsoft.Extensions.Hosting;
using Reconciler.Docker.Cache;

namespace Reconciler.Observability;

/// <summary>
/// Counts the engine cache's full lists in <c>reconciler_cache_resyncs_total{reason}</c>: one per
/// list by its reason, and one more under <c>mismatch</c> when the list showed what the events had
/// not (the differences themselves are logged by the daemon).
/// </summary>
internal sealed class CacheResyncCounter(EngineCache? cache, ReconcilerMetrics metrics) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (cache is not null) cache.Resynced += Count;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (cache is not null) cache.Resynced -= Count;
        return Task.CompletedTask;
    }

    internal void Count(string reason, IReadOnlyList<string> differences)
    {
        metrics.CacheResyncs.WithLabels(reason).Inc();
        if (differences.Count > 0) metrics.CacheResyncs.WithLabels(ResyncReason.Mismatch).Inc();
    }
}
