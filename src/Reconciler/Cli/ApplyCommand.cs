using System.CommandLine;
using Reconciler.Core.Planning;
using Reconciler.Docker.Execution;

namespace Reconciler.Cli;

/// <summary><c>reconciler apply</c>: converge the host, printing each action as it happens.</summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var project = new ProjectOptions();
        var removeOrphans = new Option<bool>("--remove-orphans") { Description = "Remove containers of services no longer in the project" };
        var pull = new Option<string>("--pull") { Description = "Pull images: missing (default, per pull_policy) or always", DefaultValueFactory = _ => "missing" };
        pull.AcceptOnlyFromAmong("missing", "always", "never");
        var timeout = new Option<int>("--wait-timeout") { Description = "Seconds to wait for depends_on health conditions", DefaultValueFactory = _ => 120 };
        var config = DaemonOptions.Config();
        var stack = new Option<string?>("--stack")
        {
            Description = "Converge an engine: swarm stack of the daemon's config (--config) to the head of its branch, as the daemon would deploy it",
        };
        var command = new Command("apply", """
            Converge the host to the compose project: pull, create networks and volumes, create,
            recreate, start and (with --remove-orphans) remove containers. Exit 0 when converged.
            With --stack, converge a Swarm stack (engine: swarm) of the daemon's config to the head
            of its branch on the Swarm this node manages, then wait for its rollout.

            Examples:
              reconciler apply
              reconciler apply -f compose.yaml -p shop --remove-orphans
              reconciler apply --config /etc/reconciler/config.yaml --stack shop
            """);
        project.AddTo(command);
        command.Options.Add(removeOrphans);
        command.Options.Add(pull);
        command.Options.Add(timeout);
        command.Options.Add(PlanCommand.DockerHost);
        command.Options.Add(config);
        command.Options.Add(stack);
        command.SetAction(async (result, ct) =>
        {
            try
            {
                if (result.GetValue(stack) is { } stackName)
                {
                    // The stack's own config decides files, variables and pruning: the project flags would contradict it.
                    if (project.IsGiven(result) || result.GetValue(removeOrphans) || result.GetResult(pull) is { Implicit: false })
                    {
                        Console.Error.WriteLine("error: --stack applies the stack as configured: -f, -p, --project-directory, --env-file, --profile, --remove-orphans and --pull do not apply");
                        return 1;
                    }
                    return await StackApply.RunAsync(new StackApply.Request(result.GetValue(config)!, stackName, result.GetValue(PlanCommand.DockerHost)), ct);
                }
                using var session = StackSession.Open(project, result, result.GetValue(PlanCommand.DockerHost));
                if (session is null) return 1;
                var options = new PlanOptions
                {
                    RemoveOrphans = result.GetValue(removeOrphans),
                    Now = DateTimeOffset.UtcNow,
                    PullAlways = result.GetValue(pull) == "always",
                };
                var plan = await session.PlanAsync(options, ct);
                foreach (var problem in plan.Problems) Console.Error.WriteLine($"{(plan.IsBlocked ? "error" : "warning")}: {problem}");
                if (plan.IsBlocked)
                {
                    Console.Error.WriteLine($"{session.Desired.Name}: not applied: fix the problems above first (nothing was changed)");
                    return 1;
                }
                if (plan.IsEmpty)
                {
                    Console.Out.WriteLine($"{session.Desired.Name}: in sync, nothing to do");
                    return 0;
                }
                var engine = session.Engine;
                var executor = new PlanExecutor(engine.Containers, engine.Networks, engine.Volumes, engine.Images,
                    new ConsoleObserver(), dependencyTimeout: TimeSpan.FromSeconds(result.GetValue(timeout)));
                var outcome = await executor.ExecuteAsync(plan.Actions, session.Desired, ct);
                if (!outcome.Succeeded)
                {
                    foreach (var f in outcome.Failures) Console.Error.WriteLine($"error: {Describe(f.Action)}: {f.Error}");
                    return 1;
                }
                // Converged means a fresh look finds nothing left to do.
                var after = await session.PlanAsync(options with { PullAlways = false }, ct);
                if (!after.IsEmpty)
                {
                    Console.Error.WriteLine("error: the host still differs after apply:");
                    Console.Error.Write(after.ToString());
                    return 1;
                }
                Console.Out.WriteLine($"{session.Desired.Name}: converged ({outcome.Outcomes.Count} actions)");
                return 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary><see cref="PlanAction.Describe"/>; kept for callers outside the CLI until they call that directly.</summary>
    internal static string Describe(PlanAction a) => a.Describe();

    private sealed class ConsoleObserver : IExecutionObserver
    {
        private readonly Lock _gate = new();
        public void Started(PlanAction action) { lock (_gate) Console.Out.WriteLine($" … {Describe(action)} ({action.Reason})"); }
        public void Progress(PlanAction action, string message) { lock (_gate) Console.Out.WriteLine($"   {Describe(action)}: {message}"); }
        public void Finished(ActionOutcome o)
        {
            lock (_gate)
                Console.Out.WriteLine(o.Result switch
                {
                    ActionResult.Done => $" ✔ {Describe(o.Action)} {o.Duration.TotalSeconds:0.0}s",
                    ActionResult.Failed => $" ✘ {Describe(o.Action)}: {o.Error}",
                    _ => $" - {Describe(o.Action)} skipped: {o.Error}",
                });
        }
    }
}
