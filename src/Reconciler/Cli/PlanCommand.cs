using System.CommandLine;
using Reconciler.Core.Guardrails;
using Reconciler.Core.Planning;

namespace Reconciler.Cli;

/// <summary><c>reconciler plan</c>: what apply would do, and why. Exit 0 in sync, 2 changes pending, 1 error.</summary>
internal static class PlanCommand
{
    public static readonly Option<string?> DockerHost = new("--host", "-H") { Description = "Docker daemon socket (default: DOCKER_HOST, else unix:///var/run/docker.sock)" };

    public static Command Create()
    {
        var project = new ProjectOptions();
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON" };
        var policy = new Option<string[]>("--policy")
        {
            Description = "A guardrail rule's level for this plan, RULE=off|warn|deny (repeatable; every rule is on warn otherwise)",
            AllowMultipleArgumentsPerToken = false,
        };
        var removeOrphans = new Option<bool>("--remove-orphans") { Description = "Plan removal of containers of services no longer in the project" };
        var config = DaemonOptions.Config();
        var stack = new Option<string?>("--stack") { Description = "Plan a stack of the daemon's config (--config) from its git repo, as the daemon would deploy it" };
        var gitRef = new Option<string?>("--ref") { Description = "With --stack: the branch, tag, ref (refs/pull/7/head) or commit sha to plan (default: the head of the stack's branch)" };
        var command = new Command("plan", """
            Show the actions that would make the host match the compose project, each with its reason.
            With --stack, the project is a stack of the daemon's config, rendered from its git repo
            exactly as the daemon would (at --ref, or the head of its branch); nothing is changed.
            Exit code: 0 in sync, 2 changes pending, 1 error.

            Examples:
              reconciler plan
              reconciler plan -f compose.yaml -p shop --json
              reconciler plan --config /etc/reconciler/config.yaml --stack shop --ref refs/pull/7/head
            """);
        project.AddTo(command);
        command.Options.Add(json);
        command.Options.Add(removeOrphans);
        command.Options.Add(policy);
        command.Options.Add(DockerHost);
        command.Options.Add(config);
        command.Options.Add(stack);
        command.Options.Add(gitRef);
        command.SetAction(async (result, ct) =>
        {
            try
            {
                if (result.GetValue(stack) is { } stackName)
                {
                    // The stack's own config decides files, variables, policy and orphans: the project flags would contradict it.
                    if (project.IsGiven(result) || result.GetValue(removeOrphans) || (result.GetValue(policy) ?? []).Length > 0)
                    {
                        Console.Error.WriteLine("error: --stack plans the stack as configured: -f, -p, --project-directory, --env-file, --profile, --remove-orphans and --policy do not apply");
                        return 1;
                    }
                    return await StackPlan.RunAsync(new StackPlan.Request(result.GetValue(config)!, stackName, result.GetValue(gitRef), result.GetValue(json), result.GetValue(DockerHost)), ct);
                }
                if (result.GetValue(gitRef) is not null)
                {
                    Console.Error.WriteLine("error: --ref needs --stack (and --config): it names a commit of a configured stack's repo");
                    return 1;
                }
                if (PolicyLevels(result.GetValue(policy) ?? []) is not { } settings) return 1;
                using var session = StackSession.Open(project, result, result.GetValue(DockerHost), settings);
                if (session is null) return 1;
                // Guardrail findings go to stderr, like load warnings: stdout stays the plan alone.
                foreach (var f in session.Policy.Findings)
                    Console.Error.WriteLine($"policy: {(f.Level == RuleLevel.Deny ? "error" : "warning")}: {f}");
                foreach (var e in session.Policy.Errors) Console.Error.WriteLine($"policy: error: {e}");
                var plan = await session.PlanAsync(new PlanOptions { RemoveOrphans = result.GetValue(removeOrphans), Now = DateTimeOffset.UtcNow }, ct);
                Console.Out.Write((result.GetValue(json) ? plan.ToJson() : plan.ToString()) + "\n");
                return plan.IsBlocked || session.Policy.Refuses ? 1 : plan.IsEmpty ? 0 : 2;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary><c>--policy RULE=LEVEL</c> values over the defaults; null (after saying why) when one is not.</summary>
    private static GuardrailSettings? PolicyLevels(string[] values)
    {
        var levels = new List<KeyValuePair<string, RuleLevel>>();
        foreach (var value in values)
        {
            var eq = value.IndexOf('=');
            var rule = eq < 0 ? value : value[..eq];
            if (eq < 0 || !GuardrailRules.IsKnown(rule) || !RuleLevels.TryParse(value[(eq + 1)..], out var level))
            {
                Console.Error.WriteLine($"error: --policy {value}: write RULE=off|warn|deny with RULE one of {GuardrailRules.Ids}");
                return null;
            }
            levels.Add(new(rule, level));
        }
        return GuardrailSettings.Default.With(levels);
    }
}
