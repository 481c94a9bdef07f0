using Reconciler.Configuration;
namespace Reconciler.Notifications;

/// <summary>The one-line human text of an event, the same for every provider.</summary>
public static class NotificationText
{
    /// <summary>Longer reasons are cut: a chat line, not a log.</summary>
    private const int MaxReason = 500;

    public static string Of(NotificationEvent e)
    {
        var reason = e.Reason is { Length: > MaxReason } r ? r[..MaxReason] + "…" : e.Reason;
        return e.Kind switch
        {
            NotificationKinds.Deployed => $"{e.Stack}: deployed {e.ShortCommit} on {e.Host}",
            NotificationKinds.DriftHealed => $"{e.Stack}: drift repaired on {e.Host} at {e.ShortCommit}" + (reason is null ? "" : $" ({reason})"),
            NotificationKinds.Failed => $"{e.Stack}: {e.ShortCommit} failed on {e.Host}: {reason ?? "no reason given"}",
            NotificationKinds.RolledBack => $"{e.Stack}: {e.ShortCommit} failed on {e.Host} and was rolled back: {reason ?? "no reason given"}",
            NotificationKinds.Held => $"{e.Stack}: holding the last good commit on {e.Host}; {e.ShortCommit} failed: {reason ?? "no reason given"}",
            NotificationKinds.DriftDetected => $"{e.Stack}: drift from {e.ShortCommit} on {e.Host}: {reason}",
            _ => $"{e.Stack}: {e.Kind} {e.ShortCommit} on {e.Host}",
        };
    }

    /// <summary>A short title (ntfy's <c>Title</c>): stack and what happened.</summary>
    public static string Title(NotificationEvent e) => $"reconciler: {e.Stack} {e.Kind.Replace('_', ' ')}";

    /// <summary>Whether the event needs someone (ntfy sends these at the configured priority).</summary>
    public static bool IsTrouble(NotificationEvent e) => e.Kind is NotificationKinds.Failed or NotificationKinds.RolledBack or NotificationKinds.Held;
}
