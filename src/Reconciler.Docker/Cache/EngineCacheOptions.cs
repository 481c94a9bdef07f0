namespace Reconciler.Docker.Cache;

/// <summary>How the engine cache checks itself against the engine and reconnects.</summary>
public sealed record EngineCacheOptions
{
    /// <summary>A full list compared with the cache this often, even when no event was missed (config <c>docker.resync_interval</c>).</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The first wait before reconnecting the event stream; doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Short: a failed attempt costs one connect, and stacks wait on the engine meanwhile.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// More containers marked changed than this are refreshed with one full list rather than a list
    /// by id (an event storm: hundreds of containers created by another tool).
    /// </summary>
    public int FullListAbove { get; init; } = 64;
}
