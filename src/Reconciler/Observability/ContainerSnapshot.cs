using Reconciler.Docker;

namespace Reconciler.Observability;

/// <summary>One inspect of a managed container, reduced to what restart, OOM and state accounting read.</summary>
internal sealed record ContainerSnapshot
{
    public required string Id { get; init; }
    public required string Service { get; init; }
    /// <summary>The engine's state: created, running, paused, restarting, removing, exited, dead.</summary>
    public required string Status { get; init; }
    /// <summary>starting, healthy, unhealthy; null without a healthcheck.</summary>
    public string? Health { get; init; }
    public long ExitCode { get; init; }
    /// <summary>The engine's count of restart-policy restarts; a manual start resets it to 0.</summary>
    public long RestartCount { get; init; }
    /// <summary>When the container last started: each start has its own.</summary>
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>Whether the last exit was an OOM kill; the engine clears it on the next start.</summary>
    public bool OomKilled { get; init; }

    public static ContainerSnapshot From(ContainerRuntimeState s, string service) => new()
    {
        Id = s.Id,
        Service = service,
        Status = s.Status,
        Health = s.HealthStatus,
        ExitCode = s.ExitCode,
        RestartCount = s.RestartCount,
        StartedAt = s.StartedAt,
        FinishedAt = s.FinishedAt,
        OomKilled = s.OomKilled,
    };

    /// <summary>The <c>state</c> label: running, restarting, exited or unhealthy (created, paused and dead count as exited: not serving).</summary>
    public string StateLabel => Status switch
    {
        "running" when Health == "unhealthy" => "unhealthy",
        "running" => "running",
        "restarting" => "restarting",
        _ => "exited",
    };
}
