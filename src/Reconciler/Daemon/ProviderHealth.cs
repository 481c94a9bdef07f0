namespace Reconciler.Daemon;

/// <summary>
/// How a provider's deliveries go, for /status: <see cref="Failing"/> once a delivery was given up
/// after its retries, until one succeeds. <see cref="LastError"/> names the call and the HTTP status
/// or network error, never a URL or token.
/// </summary>
public sealed record ProviderHealth(string Provider)
{
    public bool Failing { get; init; }

    /// <summary>Attempts that failed since the last success (retries included).</summary>
    public int FailuresInARow { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset? LastSuccess { get; init; }

    /// <summary>Deliveries dropped because the queue was full (the oldest go first).</summary>
    public long Dropped { get; init; }
}
