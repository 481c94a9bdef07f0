using Reconciler.Core.Desired;
using Reconciler.Core.Observed;
using Reconciler.Core.Planning;
using Reconciler.Core.Policy;
using Reconciler.Docker.Execution;
using Reconciler.Git;
using Reconciler.State;

namespace Reconciler.Daemon;

/// <summary>
/// What one pass has found so far: each step of <see cref="StackReconciler"/> adds to it, and the
/// end of the pass writes state, history, logs and the result from it once. Lives for one pass.
/// </summary>
internal sealed class PassRun(Trigger trigger, StackState state)
{
    public Trigger Trigger { get; } = trigger;

    /// <summary>The stack's record as the pass began.</summary>
    public StackState State { get; } = state;

    public Convergence? Convergence { get; set; }

    /// <summary>Author and subject of the head, for history; null while holding or when unreadable.</summary>
    public GitCommitInfo? Info { get; set; }

    public string? StackDirectory { get; set; }
    public DesiredProject? Desired { get; set; }
    public ObservedState? Observed { get; set; }
    public Plan? Plan { get; set; }

    /// <summary>For a stack with <c>engine: swarm</c>: the commit's Swarm objects, the Swarm as read, the plan against it.</summary>
    public Core.Swarm.SwarmStack? Swarm { get; set; }
    public Core.Swarm.ObservedSwarm? ObservedSwarm { get; set; }
    public Core.Swarm.SwarmPlan? SwarmPlan { get; set; }
    /// <summary>A Swarm step (apply, rollback, prune) sent the engine something: the services are read again at the end.</summary>
    public bool SwarmChanged { get; set; }
    /// <summary>The stack's services and tasks as the pass leaves them.</summary>
    public IReadOnlyList<Core.Swarm.SwarmServiceTasks>? SwarmTasks { get; set; }
    public IReadOnlyList<DriftItem> Drift { get; set; } = [];

    /// <summary>The guardrails' warnings on the commit loaded; null when the pass did not get that far.</summary>
    public IReadOnlyList<Core.Guardrails.PolicyFinding>? Findings { get; set; }

    /// <summary>The executions of this pass: the commit's own, then a rollback's (pulls of both are recorded).</summary>
    public List<ExecutionResult> Executions { get; } = [];

    /// <summary>Actions of the commit's plan that ran (what <c>actions_total</c> counts).</summary>
    public IReadOnlyList<(string Service, string Action)> Done { get; set; } = [];

    /// <summary>Actions the commit's plan (or the prune) held.</summary>
    public int Actions { get; set; }

    /// <summary>What went wrong, for people; the policy decided on the step's outcome, not on this text.</summary>
    public string? Error { get; set; }

    /// <summary>Where in the stack's files the error is (repo-relative), kept apart from <see cref="Error"/> in the record.</summary>
    public (string File, int Line)? ErrorAt { get; set; }

    /// <summary>The history row opened when the pass began changing the host.</summary>
    public long? DeploymentId { get; set; }
}
