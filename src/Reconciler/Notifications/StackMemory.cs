namespace Reconciler.Notifications;

/// <summary>
/// What <see cref="PassEvents"/> remembers of a stack between passes, so that a state (held, drifted)
/// is told when it begins, not on every pass that finds it still so.
/// </summary>
public sealed record StackMemory
{
    public static readonly StackMemory Empty = new();

    /// <summary>The commit the host was last seen in sync with; a repair of it is a heal, not a deploy.</summary>
    public string? InSyncCommit { get; init; }

    public bool Held { get; init; }

    /// <summary>The drift last told (service:reason list); null when in sync.</summary>
    public string? Drift { get; init; }
}
