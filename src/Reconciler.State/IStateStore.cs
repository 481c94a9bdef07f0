namespace Reconciler.State;

/// <summary>
/// What the daemon remembers between passes and across restarts: each stack's status and
/// commits, each repository's fetch state, and the deployment history.
/// </summary>
/// <remarks>
/// Safe to call from several stack loops at once, and from other processes (a
/// <c>reconciler suspend</c> while the daemon runs). Every method may throw
/// <see cref="StateStoreUnavailableException"/> when the state directory cannot be read or
/// written (read-only, disk full, locked for too long): the caller logs it, counts it and carries
/// on; the store tries again on the next call. A damaged database is moved aside and replaced by
/// an empty one (<see cref="CorruptDatabaseRecovery"/>) rather than stopping the daemon.
/// </remarks>
public interface IStateStore
{
    /// <summary>
    /// Creates the state directory and database if missing, upgrades the schema, and moves a
    /// damaged database aside. Every other method does this on first use; call it at startup to
    /// learn of a recovery or an unusable directory early.
    /// </summary>
    Task<StateStoreOpened> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The stack's state, or null if nothing was ever recorded for it.</summary>
    Task<StackState?> GetStackAsync(string stack, CancellationToken cancellationToken);

    /// <summary>Every stack with recorded state, by name.</summary>
    Task<IReadOnlyList<StackState>> ListStacksAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Reads the stack's state (<see cref="StackState.Initial"/> if none), applies
    /// <paramref name="change"/> to it with the store's current time, and stores the result, all
    /// in one write transaction. <paramref name="change"/> runs while other writers wait: keep it
    /// to a <c>with</c> or a <see cref="StackState"/> transition.
    /// </summary>
    /// <returns>The state as stored, with <see cref="StackState.UpdatedAt"/> set.</returns>
    Task<StackState> UpdateStackAsync(string stack, Func<StackState, DateTimeOffset, StackState> change, CancellationToken cancellationToken);

    /// <summary>Forgets a stack's state (not its history). False if there was none.</summary>
    Task<bool> RemoveStackAsync(string stack, CancellationToken cancellationToken);

    /// <summary>The repository's state, or null if nothing was ever recorded for it.</summary>
    Task<RepoState?> GetRepoAsync(string repo, CancellationToken cancellationToken);

    /// <summary>Every repository with recorded state, by key.</summary>
    Task<IReadOnlyList<RepoState>> ListReposAsync(CancellationToken cancellationToken);

    /// <summary>A fetch succeeded and the head is <paramref name="headCommit"/>.</summary>
    Task<RepoState> RecordFetchAsync(string repo, string headCommit, CancellationToken cancellationToken);

    /// <summary>The head was seen without a fetch (a remote check, a webhook).</summary>
    Task<RepoState> RecordHeadAsync(string repo, string headCommit, CancellationToken cancellationToken);

    /// <summary>Adds a running deployment (no result yet), started now.</summary>
    Task<Deployment> StartDeploymentAsync(DeploymentStart start, CancellationToken cancellationToken);

    /// <summary>Ends a running deployment now.</summary>
    /// <exception cref="InvalidOperationException">No such deployment, or it has already finished.</exception>
    Task<Deployment> FinishDeploymentAsync(long id, DeploymentFinish finish, CancellationToken cancellationToken);

    Task<Deployment?> GetDeploymentAsync(long id, CancellationToken cancellationToken);

    /// <summary>A page of history, newest first: the latest N of a stack, and the pages before them.</summary>
    Task<DeploymentPage> ListDeploymentsAsync(DeploymentQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Ends, as <see cref="DeploymentResult.Failed"/> with <paramref name="error"/>, deployments
    /// that never finished because the daemon stopped during them. For startup, before any loop
    /// starts a deployment.
    /// </summary>
    /// <returns>How many there were.</returns>
    Task<int> FailUnfinishedDeploymentsAsync(string error, CancellationToken cancellationToken);

    /// <summary>Deletes all but the newest <paramref name="keepPerStack"/> deployments of each stack.</summary>
    /// <returns>How many were deleted.</returns>
    Task<int> PruneDeploymentsAsync(int keepPerStack, CancellationToken cancellationToken);
}
