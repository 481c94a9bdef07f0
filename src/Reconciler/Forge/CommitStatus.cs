namespace Reconciler.Forge;

/// <summary>What a commit status says, in the states every provider has (GitLab spells failure "failed").</summary>
public enum CommitState { Pending, Success, Failure }

/// <summary>
/// One status on a commit: <see cref="Context"/> tells it from other systems' statuses
/// (<c>reconciler/HOST/STACK</c>, <c>reconciler/plan</c>); a new status with the same context replaces it.
/// </summary>
public sealed record CommitStatus(string Context, CommitState State, string Description)
{
    /// <summary>GitHub cuts descriptions at 140 characters; all providers get the same.</summary>
    public const int MaxDescription = 140;

    public static CommitStatus Of(string context, CommitState state, string description) =>
        new(context, state, description.Length > MaxDescription ? description[..(MaxDescription - 1)] + "…" : description);
}
