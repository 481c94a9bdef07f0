using System.Globalization;

namespace Reconciler.State;

/// <summary>
/// How values are written in the database. Enum names are spelled out rather than derived, so
/// renaming a C# member cannot silently change what is stored.
/// </summary>
internal static class StateText
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static string Status(SyncStatus status) => status switch
    {
        SyncStatus.Unknown => "unknown",
        SyncStatus.Synced => "synced",
        SyncStatus.OutOfSync => "out_of_sync",
        SyncStatus.Failed => "failed",
        SyncStatus.Suspended => "suspended",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static SyncStatus ParseStatus(string text) => text switch
    {
        "unknown" => SyncStatus.Unknown,
        "synced" => SyncStatus.Synced,
        "out_of_sync" => SyncStatus.OutOfSync,
        "failed" => SyncStatus.Failed,
        "suspended" => SyncStatus.Suspended,
        _ => throw Unexpected("sync status", text),
    };

    public static string Result(DeploymentResult result) => result switch
    {
        DeploymentResult.Applied => "applied",
        DeploymentResult.Noop => "noop",
        DeploymentResult.Failed => "failed",
        DeploymentResult.RolledBack => "rolled_back",
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, null),
    };

    public static DeploymentResult ParseResult(string text) => text switch
    {
        "applied" => DeploymentResult.Applied,
        "noop" => DeploymentResult.Noop,
        "failed" => DeploymentResult.Failed,
        "rolled_back" => DeploymentResult.RolledBack,
        _ => throw Unexpected("deployment result", text),
    };

    public static string Trigger(DeploymentTrigger trigger) => trigger switch
    {
        DeploymentTrigger.Poll => "poll",
        DeploymentTrigger.Webhook => "webhook",
        DeploymentTrigger.Drift => "drift",
        DeploymentTrigger.Startup => "startup",
        DeploymentTrigger.Manual => "manual",
        _ => throw new ArgumentOutOfRangeException(nameof(trigger), trigger, null),
    };

    public static DeploymentTrigger ParseTrigger(string text) => text switch
    {
        "poll" => DeploymentTrigger.Poll,
        "webhook" => DeploymentTrigger.Webhook,
        "drift" => DeploymentTrigger.Drift,
        "startup" => DeploymentTrigger.Startup,
        "manual" => DeploymentTrigger.Manual,
        _ => throw Unexpected("deployment trigger", text),
    };

    private static InvalidDataException Unexpected(string what, string text) =>
        new($"state database holds an unknown {what} '{text}'");
}
