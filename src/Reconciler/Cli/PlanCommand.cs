using System.CommandLine;
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
        command.Options.Add(DockerHost);
        command.SetAction(async (result, ct) =>
        {
            try
            {
                using var session = StackSession.Open(project, result, result.GetValue(DockerHost));
                if (session is null) return 1;
                var plan = await session.PlanAsync(new PlanOptions { RemoveOrphans = result.GetValue(removeOrphans), Now = DateTimeOffset.UtcNow }, ct);
                Console.Out.Write((result.GetValue(json) ? plan.ToJson() : plan.ToString()) + "\n");
                return plan.IsBlocked ? 1 : plan.IsEmpty ? 0 : 2;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
