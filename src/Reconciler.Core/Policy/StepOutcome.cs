namespace Reconciler.Core.Policy;

/// <summary>
/// What one step of the converge pipeline found, as the policy needs to know it: a closed set, so
/// every rule of <see cref="StackPolicy"/> names the outcome it reacts to.
/// </summary>
public abstract record StepOutcome
{
    private protected StepOutcome() { }
}

/// <summary>The commit's files are on disk and the stack's folder is in them.</summary>
public sealed record Rendered : StepOutcome;

/// <summary>The commit has no folder for the stack (removed from git, or a typo in the config).</summary>
public sealed record FolderMissing : StepOutcome;

/// <summary>The commit could not be written to disk; <see cref="UnsafeTree"/>: because its tree is hostile (the commit's fault), not the disk.</summary>
public sealed record RenderFailed(bool UnsafeTree) : StepOutcome;

/// <summary>The compose files are invalid (or over a limit): no desired state.</summary>
public sealed record LoadFailed : StepOutcome;

/// <summary>The engine could not be read, so there is no plan.</summary>
public sealed record PlanFailed : StepOutcome;

/// <summary>A plan: <see cref="Empty"/> when the host matches; <see cref="Blocked"/> when it has errors (a name held by a foreign container, a bad value).</summary>
public sealed record Planned(bool Empty, bool Blocked) : StepOutcome;

/// <summary>The plan was executed; <see cref="Failure"/> is the cause of the first failed action, null when all succeeded.</summary>
public sealed record Executed(FailureCause? Failure) : StepOutcome;

/// <summary>The rollout gate watched the touched containers.</summary>
public sealed record Gated(GateResult Result) : StepOutcome;

public enum GateResult
{
    /// <summary>Every touched container runs (and is healthy, where it has a healthcheck) through the settle period.</summary>
    Passed,

    /// <summary>A container exited, turned unhealthy or did not become healthy in time.</summary>
    Failed,

    /// <summary>A container was removed while the gate watched (by hand): the next drift pass repairs it.</summary>
    Disappeared,

    /// <summary>The engine went away while the gate watched: nothing is known about the containers.</summary>
    Interrupted,
}

/// <summary>The last good commit was re-applied (and gated); <see cref="Succeeded"/>: the host runs it again.</summary>
public sealed record RolledBack(bool Succeeded) : StepOutcome;

/// <summary>The containers of a stack whose folder is gone were removed (<see cref="Removals"/> of them).</summary>
public sealed record Pruned(int Removals, bool Succeeded) : StepOutcome;
