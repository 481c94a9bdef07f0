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
        var command = new Command("plan", """
            Show the actions that would make the host match the compose project, each with its reason.
            Exit code: 0 in sync, 2 changes pending, 1 error.

            Examples:
              reconciler plan
              reconciler plan -f compose.yaml -p shop --json
            """);
        project.AddTo(command);
        command.Options.Add(json);
        command.Options.Add(removeOrphans);
        command.Options.Add(policy);
        command.Options.Add(DockerHost);
        command.SetAction(async (result, ct) =>
        {
            try
            {
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
