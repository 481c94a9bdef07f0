using System.Collections.Immutable;
using Docker.DotNet.Models;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Desired;
using Reconciler.Core.Planning;
using Reconciler.Docker.Execution;
using Reconciler.Files;

namespace Reconciler.Integration.Tests.Infrastructure;

/// <summary>
/// One compose project on disk, driven in-process the way the CLI drives it (StackSession and
/// ApplyCommand): load with <see cref="ComposeLoader"/>, <see cref="DesiredStateBuilder.Build"/>,
/// read the engine, <see cref="Planner.Plan"/>, <see cref="PlanExecutor.ExecuteAsync"/>.
/// </summary>
public sealed class TestStack
{
    private readonly EngineFixture _fx;

    public TestStack(EngineFixture fx, string composeYaml, string? project = null, string? directory = null)
    {
        _fx = fx;
        Project = project ?? fx.NewProject();
        Directory = directory ?? fx.NewTempDir();
        ComposeFile = Path.Combine(Directory, "compose.yaml");
        if (composeYaml.Length > 0)
        {
            File.WriteAllText(ComposeFile, composeYaml);
        }
    }

    public string Project { get; }
    public string Directory { get; }
    public string ComposeFile { get; }

    public void WriteFile(string relativePath, string content)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public void WriteCompose(string yaml) => File.WriteAllText(ComposeFile, yaml);

    /// <summary>Loads the project with a clean environment (only HOME), failing the test on any error.</summary>
    public ComposeProject LoadProject()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var loaded = ComposeLoader.Load(new LoadOptions
        {
            Files = [ComposeFile],
            ProjectName = Project,
            WorkingDirectory = Directory,
            Environment = ImmutableDictionary<string, string>.Empty.Add("HOME", home),
            HomeDirectory = home,
        }, DiskFileSource.Instance);
        Assert.True(loaded.Project is not null, "the compose file does not load:\n" + string.Join("\n", loaded.Diagnostics));
        return loaded.Project!;
    }

    public DesiredProject Desired() => DesiredStateBuilder.Build(LoadProject(), DiskFileSource.Instance);

    public async Task<Plan> PlanAsync(DesiredProject? desired = null, PlanOptions? options = null)
    {
        desired ??= Desired();
        // As StackSession reads it: squatters on wanted container names, and the project's networks and
        // volumes by name too (explicit name:, external).
        IReadOnlyCollection<string> resources =
        [
            .. desired.Networks.Values.Select(n => n.Name), .. desired.ExternalNetworks,
            .. desired.Volumes.Values.Select(v => v.Name), .. desired.ExternalVolumes,
        ];
        var observed = await _fx.Engine.State.ReadAsync(desired.Name, Planner.WantedContainerNames(desired), default, resources);
        return Planner.Plan(desired, observed, options ?? new PlanOptions { Now = DateTimeOffset.UtcNow });
    }

    /// <summary>Carries the plan out as the CLI does; the plan holds everything the executor needs.</summary>
    public async Task<ExecutionResult> ExecuteAsync(Plan plan)
    {
        await _fx.TrackAnonymousVolumesAsync(Project);
        var engine = _fx.Engine;
        var executor = new PlanExecutor(engine.Containers, engine.Networks, engine.Volumes, engine.Images,
            dependencyTimeout: TimeSpan.FromSeconds(60));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        return await executor.ExecuteAsync(plan.Actions, timeout.Token);
    }

    /// <summary>Observe, plan, execute; asserts every action succeeded. Returns the plan it carried out.</summary>
    public async Task<Plan> ApplyAsync()
    {
        var (plan, failures) = await TryApplyAsync();
        Assert.True(failures.Count == 0, "apply failed:\n" + plan + "\n" + string.Join("\n", failures));
        return plan;
    }

    /// <summary>Observe, plan, execute. Returns the plan and one line per action that did not succeed.</summary>
    public async Task<(Plan Plan, IReadOnlyList<string> Failures)> TryApplyAsync()
    {
        var desired = Desired();
        var plan = await PlanAsync(desired);
        Assert.False(plan.IsBlocked, "plan blocked:\n" + plan);
        var result = await ExecuteAsync(plan);
        var failures = result.Outcomes
            .Where(o => o.Result != ActionResult.Done)
            .Select(o => $"{o.Action.GetType().Name} {(o.Action as ContainerAction)?.ContainerName} ({o.Action.Reason}): {o.Result}: {o.Error}")
            .ToList();
        return (plan, failures);
    }

    /// <summary>The project's containers as the engine lists them (the <c>docker compose ps</c> view), by name.</summary>
    public async Task<IReadOnlyDictionary<string, ContainerListResponse>> ContainersAsync()
    {
        var list = await _fx.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{EngineFixture.ProjectLabel}={Project}"] = true },
            },
        });
        return list.ToDictionary(c => c.Names.Single(n => n.LastIndexOf('/') == 0).TrimStart('/'), StringComparer.Ordinal);
    }

    /// <summary>Container ids by name.</summary>
    public async Task<IReadOnlyDictionary<string, string>> IdsAsync() =>
        (await ContainersAsync()).ToDictionary(kv => kv.Key, kv => kv.Value.ID, StringComparer.Ordinal);

    public string NameOf(string service, int number = 1) => $"{Project}-{service}-{number}";

    public Task<ContainerInspectResponse> InspectAsync(string service, int number = 1) =>
        _fx.Client.Containers.InspectContainerAsync(NameOf(service, number));

    /// <summary><c>docker exec</c> through the API: stdout of the command; fails the test on a non-zero exit.</summary>
    public Task<string> ExecAsync(string container, params string[] command) => Exec.RunAsync(_fx.Client, container, command);
}

internal static class Exec
{
    public static async Task<string> RunAsync(global::Docker.DotNet.IDockerClient client, string container, params string[] command)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var created = await client.Exec.CreateContainerExecAsync(container, new ContainerExecCreateParameters
        {
            Cmd = command,
            AttachStdout = true,
            AttachStderr = true,
        }, timeout.Token);
        string stdout, stderr;
        using (var stream = await client.Exec.StartContainerExecAsync(created.ID, new ContainerExecStartParameters(), timeout.Token))
        {
            (stdout, stderr) = await stream.ReadOutputToEndAsync(timeout.Token);
        }
        var inspect = await client.Exec.InspectContainerExecAsync(created.ID, timeout.Token);
        Assert.True(inspect.ExitCode == 0,
            $"exec {string.Join(' ', command)} in {container} exited {inspect.ExitCode}: {stderr}{stdout}");
        return stdout;
    }
}
