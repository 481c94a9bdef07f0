using Reconciler.Core.Swarm;
using Reconciler.Docker;
using Reconciler.Docker.Swarm;

namespace Reconciler.Cli;

/// <summary>
/// <c>reconciler apply --stack NAME</c>: converges an <c>engine: swarm</c> stack of the daemon's config
/// to the head of its branch, as one daemon pass would: the commit loaded by <see cref="StackCheckout"/>,
/// observed and planned by <see cref="SwarmPlanner"/>, executed by the daemon's
/// <see cref="SwarmEngine"/> (images pinned to their digests, registry credentials sent as
/// <c>--with-registry-auth</c>), then the rollout waited for within the stack's <c>health_timeout</c>.
/// A node that is not a manager, an external network missing or a commit <c>verify:</c> refuses
/// changes nothing. Unlike the daemon it does not roll back a failed rollout (Swarm's own
/// <c>update_config.failure_action</c> still applies) and records nothing in the daemon's state: the
/// daemon's next pass finds the stack in sync. A host stack is refused: the daemon renders its tree,
/// which its bind mounts point at, and a CLI run must not write it. Exit 0 converged, 1 otherwise.
/// </summary>
internal static class StackApply
{
    public sealed record Request(string ConfigPath, string Stack, string? DockerHost);

    public static async Task<int> RunAsync(Request request, CancellationToken ct)
    {
        using var checkout = await StackCheckout.OpenAsync(request.ConfigPath, request.Stack, null, "apply", ct);
        if (checkout is null) return 1;
        var stack = checkout.Stack;
        if (checkout.Load.Swarm is not { } desired)
        {
            Console.Error.WriteLine($"error: stack {stack.Name} has engine: host: apply --stack converges engine: swarm stacks; the daemon deploys host stacks " +
                "(their bind mounts point into the tree it renders), and `reconciler apply` converges a compose project in a folder");
            return 1;
        }
        if (checkout.Refused)
        {
            Console.Error.WriteLine($"{stack.Name}: not applied: the repo's verify: refuses the commit (nothing was changed)");
            return 1;
        }

        using var engine = DockerEngine.Connect(request.DockerHost ?? checkout.Config.DockerHost);
        using var swarm = new SwarmEngine(engine.Endpoint, credentials: engine.Credentials);
        var observed = await swarm.ObserveAsync(desired, resolveImages: true, ct);
        var plan = SwarmPlanner.Plan(desired, observed, stack.Prune);
        foreach (var problem in plan.Problems) Console.Error.WriteLine($"error: {problem}");
        if (plan.IsBlocked)
        {
            Console.Error.WriteLine($"{stack.Name}: not applied: fix the problems above first (nothing was changed)");
            return 1;
        }
        if (plan.IsEmpty)
        {
            Console.Out.WriteLine($"{stack.Name}: in sync, nothing to do");
            return 0;
        }

        var execution = await swarm.ExecuteAsync(plan, observed, ct);
        foreach (var o in execution.Outcomes)
            Console.Out.WriteLine(o.Error is null ? $" ✔ {o.Action.Describe()}" : $" ✘ {o.Action.Describe()}: {o.Error}");
        if (!execution.Succeeded)
        {
            foreach (var f in execution.Failures) Console.Error.WriteLine($"error: {f.Action.Describe()}: {f.Error}");
            return 1;
        }

        // As the daemon's health gate: every service created or updated finishes its rollout in time.
        var touched = plan.Actions.Select(a => a switch { CreateSwarmService c => c.Spec.Name, UpdateSwarmService u => u.Spec.Name, _ => null })
            .OfType<string>().ToList();
        if (touched.Count > 0)
        {
            Console.Out.WriteLine($" … waiting for the rollout of {string.Join(", ", touched)} (up to {stack.HealthTimeout.TotalSeconds:0} s)");
            if (await swarm.WaitForRolloutAsync(touched, stack.HealthTimeout, ct) is { } failure)
            {
                Console.Error.WriteLine($"error: rollout failed: {failure} (not rolled back: the daemon would roll back to its last good commit)");
                return 1;
            }
        }

        // Converged means a fresh look finds nothing left to do.
        var after = SwarmPlanner.Plan(desired, await swarm.ObserveAsync(desired, resolveImages: true, ct), stack.Prune);
        if (!after.IsEmpty)
        {
            Console.Error.WriteLine("error: the Swarm still differs after apply:");
            Console.Error.Write(after.ToString());
            return 1;
        }
        Console.Out.WriteLine($"{stack.Name}: converged ({plan.Actions.Length} actions)");
        return 0;
    }
}
