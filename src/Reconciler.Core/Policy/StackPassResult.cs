namespace Reconciler.Core.Policy;

/// <summary>What one reconcile pass of a stack did, for logs, status and metrics.</summary>
public sealed record StackPassResult
{
    public required string Stack { get; init; }
    public string? Commit { get; init; }
    public required PassOutcome Outcome { get; init; }
    public int Actions { get; init; }
    /// <summary>Drifted containers by reason (missing, stopped, config, image, orphan, unmanaged_conflict).</summary>
    public IReadOnlyList<DriftItem> Drift { get; init; } = [];
    public string? Error { get; init; }
    /// <summary>
    /// What the guardrails report about the commit the pass loaded (rules on warn; file paths
    /// relative to the repo). Null when the pass ended before loading: the last known still holds.
    /// </summary>
    public IReadOnlyList<Guardrails.PolicyFinding>? Findings { get; init; }
    /// <summary>Where the error went wrong: load, plan, apply, health, internal.</summary>
    public string? FailedPhase { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>Per action kind, per service: what was done (for actions_total).</summary>
    public IReadOnlyList<(string Service, string Action)> Done { get; init; } = [];
    /// <summary>The rollout failed its health gate and the last good commit was restored.</summary>
    public bool RolledBack { get; init; }
    /// <summary>The last good commit a rollback restored (with <see cref="RolledBack"/>), for statuses and notifications.</summary>
    public string? RolledBackTo { get; init; }
    /// <summary>
    /// The head is a commit that failed before, so the stack holds (and heals) the last good commit:
    /// a state, not a new failure (<c>reconciler_stack_held</c>, not another error).
    /// </summary>
    public bool Held { get; init; }
    /// <summary>The failure reported was recorded by an earlier pass: shown, not counted again.</summary>
    public bool Repeated { get; init; }
    /// <summary>The failure may pass by itself (engine, registry, disk, a container killed by hand): retry with backoff.</summary>
    public bool Transient { get; init; }
    /// <summary>The plan the pass computed, for the status page; null when the pass ended before planning.</summary>
    public PassPlan? Plan { get; init; }
    /// <summary>
    /// A Swarm stack's services as they are when the pass ends: read again after the pass changed
    /// anything (after the rollout, or the rollback), else as observed before planning. Null for a
    /// host stack or a pass that did not observe.
    /// </summary>
    public IReadOnlyList<ServiceReplicas>? Replicas { get; init; }
    /// <summary>The same services' tasks, ended ones included (task restarts are counted from them); null with <see cref="Replicas"/>.</summary>
    public IReadOnlyList<Swarm.SwarmServiceTasks>? SwarmTasks { get; init; }
}

/// <summary>Tasks a Swarm service should run (its replicas, or one per eligible node when global) and how many run (healthy where a healthcheck exists).</summary>
public sealed record ServiceReplicas(string Service, long Desired, long Running);

public enum PassOutcome { Noop, Applied, Failed, Suspended, DriftReported, Waiting }

public sealed record DriftItem(string Service, string Reason, IReadOnlyList<string> Fields);
