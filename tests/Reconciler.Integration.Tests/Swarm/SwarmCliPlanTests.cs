using Reconciler.Core.Swarm;

namespace Reconciler.Integration.Tests.Swarm;

/// <summary><c>reconciler plan --stack</c> for a stack with <c>engine: swarm</c>: the Swarm plan the daemon would make.</summary>
[Collection(SwarmCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SwarmCliPlanTests(SwarmTestbed bed) : IAsyncLifetime
{
    private readonly string _stack = "cli" + Guid.NewGuid().ToString("N")[..6];
    private readonly string _dir = Directory.CreateTempSubdirectory("swarm-cli-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await bed.RemoveStackAsync(_stack);

    [Fact]
    public async Task Plan_of_a_swarm_stack_lists_the_services_to_create_then_says_in_sync()
    {
        var origin = new OriginRepository(Path.Combine(_dir, "origin.git"), Path.Combine(_dir, "work"));
        origin.Commit("app", new Dictionary<string, string?>
        {
            ["app/compose.yaml"] = $"services:\n  web:\n    image: {SwarmTestbed.Image}\n    command: [sleep, \"3600\"]\n    privileged: true\n",
        });
        var config = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(config, $"""
            state_dir: {Path.Combine(_dir, "state")}
            repos:
              - name: infra
                url: {origin.FileUrl}
            stacks:
              - name: {_stack}
                repo: infra
                path: app
                engine: swarm
            """);

        var before = Plan(config);
        Assert.True(before.ExitCode == 2, before.ToString());
        Assert.Contains($"create service {_stack}_web: missing", before.Stdout, StringComparison.Ordinal);
        Assert.Contains("services.web.privileged: Ignoring unsupported option on Swarm", before.Stderr, StringComparison.Ordinal);

        // Deploy what the plan said, through the engine, then the same plan is empty.
        var dir = Path.Combine(_dir, "work", "app");
        var loaded = Reconciler.Core.Compose.Loading.ComposeLoader.Load(new Reconciler.Core.Compose.LoadOptions { WorkingDirectory = dir, ProjectName = _stack }, new Reconciler.Files.DiskFileSource());
        var (_, execution) = await bed.Engine.ConvergeAsync(SwarmStackConverter.Convert(loaded.Project!, _stack, new Reconciler.Files.DiskFileSource()).Stack!, prune: true, resolveImages: true, default);
        Assert.True(execution.Succeeded);

        var after = Plan(config);
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal("in sync\n", after.Stdout);
    }

    private ProcessRunner.Result Plan(string config) =>
        ProcessRunner.Run("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "reconciler.dll"), "plan", "--stack", _stack, "--config", config, "-H", SwarmTestbed.Manager],
            env: new Dictionary<string, string> { ["DOCKER_CONFIG"] = Directory.CreateTempSubdirectory("swarm-cli-docker-").FullName },
            timeout: TimeSpan.FromMinutes(2));
}
