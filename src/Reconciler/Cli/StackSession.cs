using System.CommandLine;
using Reconciler.Core.Compose;
using Reconciler.Core.Desired;
using Reconciler.Core.Guardrails;
using Reconciler.Core.Planning;
using Reconciler.Docker;
using Reconciler.Loading;

namespace Reconciler.Cli;

/// <summary>One pass of observe → plan for the CLI: load the project, read the engine, plan.</summary>
internal sealed class StackSession : IDisposable
{
    private StackSession(ComposeProject project, DesiredProject desired, DockerEngine engine, PolicyReport policy)
    {
        Project = project;
        Desired = desired;
        Engine = engine;
        Policy = policy;
    }

    /// <summary>What the guardrails say about the project (every rule on warn unless <c>--policy</c> says otherwise).</summary>
    public PolicyReport Policy { get; }

    public ComposeProject Project { get; }
    public DesiredProject Desired { get; }
    public DockerEngine Engine { get; }

    public static StackSession? Open(ProjectOptions options, ParseResult result, string? dockerHost, GuardrailSettings? policy = null)
    {
        var request = options.ToLoadRequest(result);
        var loaded = ConfigCommand.Load(request);
        if (loaded.Project is null) return null;
        // The builder reads bind-mounted project files through the same source the loader read with.
        var (desired, buildErrors) = ServiceBuilds.Resolve(loaded.Project, DesiredStateBuilder.Build(loaded.Project, request.Files), request.Files);
        if (desired is null)
        {
            foreach (var e in buildErrors) Console.Error.WriteLine($"error: {e}");
            return null;
        }
        var report = GuardrailCheck.Evaluate(loaded.Project, desired, policy ?? GuardrailSettings.Default);
        return new StackSession(loaded.Project, desired, DockerEngine.Connect(dockerHost), report);
    }

    public async Task<Plan> PlanAsync(PlanOptions options, CancellationToken ct)
    {
        var observed = await Engine.State.ReadAsync(Desired.Name, Planner.WantedContainerNames(Desired), ct,
            WantedResourceNames(Desired)).ConfigureAwait(false);
        return Planner.Plan(Desired, observed, options);
    }

    /// <summary>Engine names of the networks and volumes the project uses, external ones included.</summary>
    public static IReadOnlyCollection<string> WantedResourceNames(DesiredProject d) =>
        [.. d.Networks.Values.Select(n => n.Name), .. d.ExternalNetworks, .. d.Volumes.Values.Select(v => v.Name), .. d.ExternalVolumes];

    public void Dispose() => Engine.Dispose();
}
