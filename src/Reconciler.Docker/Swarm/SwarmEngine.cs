using Reconciler.Core.Swarm;

namespace Reconciler.Docker.Swarm;

/// <summary>
/// The second engine: a Swarm manager reached over the Engine API. Observe, then the pure
/// <see cref="SwarmPlanner"/>, then execute; the same shape as the host engine's pass.
/// </summary>
public sealed class SwarmEngine : IDisposable
{
    private readonly SwarmApi _api;
    private readonly SwarmStackReader _reader;
    private readonly SwarmPlanExecutor _executor;

    private readonly SwarmRolloutWatch _rollouts;

    /// <param name="credentials">
    /// Registry credentials sent with digest lookups and service creates and updates (<c>--with-registry-auth</c>),
    /// so the nodes can pull private images; null sends none.
    /// </param>
    public SwarmEngine(DockerEndpoint endpoint, TimeProvider? time = null, Registry.IRegistryCredentialProvider? credentials = null)
    {
        Endpoint = endpoint;
        _api = new SwarmApi(endpoint);
        var auth = new SwarmRegistryAuth(credentials);
        _reader = new SwarmStackReader(_api, auth);
        _executor = new SwarmPlanExecutor(_api, auth);
        _rollouts = new SwarmRolloutWatch(_api, time ?? TimeProvider.System);
    }

    public DockerEndpoint Endpoint { get; }

    public static SwarmEngine Connect(string? host = null) => new(DockerEndpoint.Resolve(host));

    public Task<SwarmRole> RoleAsync(CancellationToken ct) => _reader.RoleAsync(ct);

    /// <param name="resolveImages">Pin each image to its registry digest first (<c>docker stack deploy --resolve-image always</c>).</param>
    /// <param name="pins">
    /// Image as written → the reference with digest it must stay at (a held or rolled-back commit runs
    /// what ran when it was good, wherever its tag points now); the registry is asked only for its platforms.
    /// </param>
    public Task<ObservedSwarm> ObserveAsync(SwarmStack desired, bool resolveImages, CancellationToken ct,
        IReadOnlyDictionary<string, string>? pins = null) =>
        _reader.ReadAsync(desired.Name, desired.Services.Values.Select(s => s.TaskTemplate.ContainerSpec.Image), resolveImages, ct, pins);

    /// <summary>
    /// The stack's services, how many tasks each should run, and every task the engine lists for them
    /// (ended ones too): what a pass reads again after acting, for the replicas gauge and task restarts.
    /// </summary>
    public Task<System.Collections.Immutable.ImmutableArray<SwarmServiceTasks>> ReadTasksAsync(string stack, CancellationToken ct) =>
        _reader.ReadTasksAsync(stack, ct);

    public Task<SwarmExecution> ExecuteAsync(SwarmPlan plan, ObservedSwarm observed, CancellationToken ct) =>
        _executor.ExecuteAsync(plan, observed, ct);

    /// <summary>
    /// Waits until each service's update completed and its wanted tasks run (healthy where a
    /// healthcheck exists), within <paramref name="timeout"/>. Null: converged; else what failed.
    /// </summary>
    public Task<string?> WaitForRolloutAsync(IReadOnlyCollection<string> services, TimeSpan timeout, CancellationToken ct) =>
        _rollouts.WaitAsync(services, timeout, ct);

    /// <summary>Observe, plan, execute: one converge of a stack. The plan says what was (or would have been) done.</summary>
    public async Task<(SwarmPlan Plan, SwarmExecution Execution)> ConvergeAsync(SwarmStack desired, bool prune, bool resolveImages, CancellationToken ct)
    {
        var observed = await ObserveAsync(desired, resolveImages, ct).ConfigureAwait(false);
        var plan = SwarmPlanner.Plan(desired, observed, prune);
        if (plan.IsBlocked || plan.IsEmpty) return (plan, new SwarmExecution([]));
        return (plan, await ExecuteAsync(plan, observed, ct).ConfigureAwait(false));
    }

    public void Dispose() => _api.Dispose();
}
