namespace Reconciler.StatusPage;

/// <summary>A stack's last computed plan, the commit it planned and when.</summary>
public sealed record RecordedPlan(string Commit, Core.Planning.Plan Plan, DateTimeOffset At);
