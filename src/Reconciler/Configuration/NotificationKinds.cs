namespace Reconciler.Configuration;

/// <summary>The events a notification provider can be told of, by the names the config filters on.</summary>
public static class NotificationKinds
{
    /// <summary>A commit was applied and passed its rollout gate.</summary>
    public const string Deployed = "deployed";

    /// <summary>A pass failed (an invalid commit, a failed action, a gate failed without rollback).</summary>
    public const string Failed = "failed";

    /// <summary>A commit failed its gate and the last good commit runs again.</summary>
    public const string RolledBack = "rolled_back";

    /// <summary>Containers differ from git and are left alone (self_heal off, or suspended).</summary>
    public const string DriftDetected = "drift_detected";

    /// <summary>Containers that differed from git were repaired.</summary>
    public const string DriftHealed = "drift_healed";

    /// <summary>The head failed before, so the stack keeps its last good commit.</summary>
    public const string Held = "held";

    public static readonly IReadOnlyList<string> All = [Deployed, Failed, RolledBack, DriftDetected, DriftHealed, Held];
}
