namespace Reconciler.Notifications;

/// <summary>
/// Something that happened to a stack, as providers are told of it. <see cref="Reason"/> is the
/// pass's error or drift summary: texts the daemon already shows in /status, never a secret.
/// </summary>
public sealed record NotificationEvent(string Kind, string Stack, string? Commit, string? Reason, string Host, DateTimeOffset At)
{
    /// <summary>What makes two events "the same" for deduplication: the time and host are not part of it.</summary>
    public string DedupKey => string.Join('\n', Stack, Kind, Commit ?? "", Reason ?? "");

    public string ShortCommit => Commit is { Length: > 7 } c ? c[..7] : Commit ?? "-";
}
