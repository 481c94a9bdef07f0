namespace Reconciler.Core.Policy;

/// <summary>The plan a pass computed against the engine (before executing any of it) and the commit it planned.</summary>
public sealed record PassPlan(string Commit, Planning.Plan Plan);
