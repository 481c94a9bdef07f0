using System.Collections.Immutable;
using Reconciler.Configuration;
using Reconciler.Core.Planning;
using Reconciler.Daemon;
using Reconciler.Docker;
using Reconciler.State;

namespace Reconciler.Cli;

/// <summary>
/// <c>reconciler plan --stack NAME [--ref REF]</c>: a commit of a configured stack's repo (the
/// branch head, or any branch, pull request ref or sha) rendered and loaded exactly as the daemon
/// would (<see cref="StackCheckout"/>), planned against the live host, or for an <c>engine: swarm</c>
/// stack against the Swarm it manages. Changes nothing.
/// Exit codes as <c>plan</c>: 0 in sync, 2 changes pending, 1 an error (unknown stack or ref, a
/// commit that does not load, a rule on deny, a signature <c>verify:</c> refuses).
/// </summary>
internal static class StackPlan
{
    public sealed record Request(string ConfigPath, string Stack, string? Ref, bool Json, string? DockerHost);

    public static async Task<int> RunAsync(Request request, CancellationToken ct)
    {
        using var checkout = await StackCheckout.OpenAsync(request.ConfigPath, request.Stack, request.Ref, "plan", ct);
        if (checkout is null) return 1;
        var (config, stack) = (checkout.Config, checkout.Stack);
        using var engine = DockerEngine.Connect(request.DockerHost ?? config.DockerHost);
        if (checkout.Load.Swarm is { } swarmStack)
        {
            // engine: swarm: the plan against the Swarm this host manages, as the daemon would make it.
            using var swarm = new Docker.Swarm.SwarmEngine(engine.Endpoint, credentials: engine.Credentials);
            var swarmPlan = Core.Swarm.SwarmPlanner.Plan(swarmStack, await swarm.ObserveAsync(swarmStack, resolveImages: true, ct), stack.Prune);
            Console.Out.Write(request.Json ? swarmPlan.ToJson() + "\n" : swarmPlan.ToString());
            return swarmPlan.IsBlocked || checkout.Refused ? 1 : swarmPlan.Actions.IsEmpty ? 0 : 2;
        }
        var desired = checkout.Desired;
        var observed = await engine.State.ReadAsync(desired.Name, Planner.WantedContainerNames(desired), ct, StackSession.WantedResourceNames(desired));
        var plan = Planner.Plan(desired, observed, new PlanOptions
        {
            Now = DateTimeOffset.UtcNow,
            RemoveOrphans = stack.Prune,
            LastPulled = await LastPulledAsync(config, stack.Name, ct),
        });
        Console.Out.Write((request.Json ? plan.ToJson() : plan.ToString()) + "\n");
        return plan.IsBlocked || checkout.Refused ? 1 : plan.IsEmpty ? 0 : 2;
    }

    /// <summary>
    /// When the daemon last pulled each of the stack's images (<c>pull_policy: daily</c> and the like
    /// are judged against it, as in the daemon's own plan); nothing when there is no state to read.
    /// </summary>
    private static async Task<ImmutableSortedDictionary<string, DateTimeOffset>> LastPulledAsync(DaemonConfig config, string stack, CancellationToken ct)
    {
        var empty = ImmutableSortedDictionary<string, DateTimeOffset>.Empty;
        if (!File.Exists(Path.Combine(config.StateDir, SqliteStateStoreOptions.DatabaseFileName))) return empty;
        try
        {
            using var store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = config.StateDir }, TimeProvider.System);
            return (await store.GetStackAsync(stack, ct))?.LastPulled ?? empty;
        }
        catch (StateStoreUnavailableException)
        {
            return empty;
        }
    }
}
