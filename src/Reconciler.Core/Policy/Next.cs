namespace Reconciler.Core.Policy;

/// <summary>What the pipeline does after a step, as <see cref="StackPolicy"/> decides it.</summary>
public abstract record Next
{
    private protected Next() { }

    /// <summary>Go on with the pipeline's next step.</summary>
    public static Next Proceed { get; } = new ProceedStep();

    public static Next Finish(PassVerdict verdict) => new FinishPass(verdict);
}

/// <summary>Go on: render → load → plan → execute → gate.</summary>
public sealed record ProceedStep : Next;

/// <summary>Converge <see cref="Convergence.Commit"/> (the first decision of a pass).</summary>
public sealed record ConvergeCommit(Convergence Convergence) : Next;

/// <summary>Remove the stack's containers (its folder is gone and prune_stacks is on).</summary>
public sealed record PruneStack : Next;

/// <summary>Re-apply the last good commit with the images it ran, and gate it.</summary>
public sealed record RollBackTo(string Commit) : Next;

/// <summary>The pass ends here.</summary>
public sealed record FinishPass(PassVerdict Verdict) : Next;
