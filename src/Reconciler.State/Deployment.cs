namespace Reconciler.State;

/// <summary>
/// One entry of a stack's deployment history: an attempt to bring the stack to a commit.
/// <see cref="Result"/> is null while it runs (or if the daemon died during it and nobody
/// called <see cref="IStateStore.FailUnfinishedDeploymentsAsync"/> yet).
/// </summary>
public sealed record Deployment
{
    /// <summary>Increasing in the order deployments started; never reused, even after pruning.</summary>
    public required long Id { get; init; }

    public required string Stack { get; init; }

    public required string Commit { get; init; }

    /// <summary>The commit's author, as git shows it (<c>Name &lt;email&gt;</c>).</summary>
    public string? Author { get; init; }

    /// <summary>The first line of the commit message.</summary>
    public string? Subject { get; init; }

    public required DeploymentTrigger Trigger { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public DeploymentResult? Result { get; init; }

    /// <summary>How many plan actions ran (0 for a no-op).</summary>
    public int ActionCount { get; init; }

    /// <summary>The failure's message, for <see cref="DeploymentResult.Failed"/> and <see cref="DeploymentResult.RolledBack"/>.</summary>
    public string? Error { get; init; }

    public bool IsFinished => Result is not null;

    public TimeSpan? Duration => FinishedAt - StartedAt;
}
