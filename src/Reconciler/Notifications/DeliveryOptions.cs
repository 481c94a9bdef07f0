namespace Reconciler.Notifications;

/// <summary>How a <see cref="DeliveryQueue{T}"/> holds and retries.</summary>
public sealed record DeliveryOptions
{
    /// <summary>Items waiting at most; past it the oldest is dropped.</summary>
    public int Capacity { get; init; } = 100;

    public int MaxAttempts { get; init; } = 6;

    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);
}
