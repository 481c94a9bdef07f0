using System.Text.Json;
using Reconciler.Core.Swarm;

namespace Reconciler.Integration.Tests.Swarm;

/// <summary>
/// <c>reconciler plan --stack</c> (text and <c>--json</c>) and <c>reconciler apply --stack</c> for a stack
/// with <c>engine: swarm</c>: the Swarm plan the daemon would make, and its execution through the
/// daemon's Swarm engine.
/// </summary>
[Collection(SwarmCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SwarmCliPlanTests(SwarmTestbed bed) : IAsyncLifetime
{
    private readonly string _stack = "cli" + Guid.NewGuid().ToString("N")[..6];
    private readonly string _dir = Directory.CreateTempSubdirectory("swarm-cli-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await bed.RemoveStackAsync(_stack);

    private static string Compose(int replicas = 1) =>
        $"services:\n  web:\n    image: {SwarmTestbed.Image}\n    command: [sleep, \"3600\"]\n    privileged: true\n    deploy:\n      replicas: {replicas}\n";

    /// <summary>A repo with the stack's compose file and a config naming it, as engine: swarm (or host).</summary>
    private string Config(string engine = "swarm")
    {
        var origin = new OriginRepository(Path.Combine(_dir, "origin.git"), Path.Combine(_dir, "work"));
        origin.Commit("app", new Dictionary<string, string?> { ["app/compose.yaml"] = Compose() });
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
                engine: {engine}
                health_timeout: 60s
            """);
        return config;
    }

    [Fact]
    public async Task Plan_of_a_swarm_stack_lists_the_services_to_create_then_says_in_sync()
    {
        var config = Config();

        var before = Cli(config, "plan");
        Assert.True(before.ExitCode == 2, before.ToString());
        Assert.Contains($"create service {_stack}_web: missing", before.Stdout, StringComparison.Ordinal);
        Assert.Contains("services.web.privileged: Ignoring unsupported option on Swarm", before.Stderr, StringComparison.Ordinal);

        // Deploy what the plan said, through the engine, then the same plan is empty.
        var dir = Path.Combine(_dir, "work", "app");
        var loaded = Reconciler.Core.Compose.Loading.ComposeLoader.Load(new Reconciler.Core.Compose.LoadOptions { WorkingDirectory = dir, ProjectName = _stack }, new Reconciler.Files.DiskFileSource());
        var (_, execution) = await bed.Engine.ConvergeAsync(SwarmStackConverter.Convert(loaded.Project!, _stack, new Reconciler.Files.DiskFileSource()).Stack!, prune: true, resolveImages: true, default);
        Assert.True(execution.Succeeded);

        var after = Cli(config, "plan");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal("in sync\n", after.Stdout);
    }

    [Fact]
    public void Plan_json_of_a_swarm_stack_is_the_swarm_plan_in_the_host_plan_shape()
    {
        var result = Cli(Config(), "plan", "--json");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.DoesNotContain("not available", result.Stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(_stack, json.RootElement.GetProperty("project").GetString());
        Assert.Equal("swarm", json.RootElement.GetProperty("engine").GetString());
        var service = Assert.Single(json.RootElement.GetProperty("actions").EnumerateArray().ToList(), a => a.GetProperty("action").GetString() == "create-service");
        Assert.Equal($"{_stack}_web", service.GetProperty("service").GetString());
        Assert.Equal("missing", service.GetProperty("reason").GetString());
        Assert.Empty(json.RootElement.GetProperty("problems").EnumerateArray());
    }

    [Fact]
    public void Apply_converges_a_swarm_stack_through_the_swarm_engine_and_a_second_apply_does_nothing()
    {
        var config = Config();

        var apply = Cli(config, "apply");
        Assert.True(apply.ExitCode == 0, apply.ToString());
        Assert.Contains($"✔ create service {_stack}_web: missing", apply.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{_stack}: converged", apply.Stdout, StringComparison.Ordinal);
        // The daemon's spec: the image pinned to its registry digest, the stack's labels.
        var image = bed.Docker(null, "service", "inspect", "--format", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", $"{_stack}_web").Stdout.Trim();
        Assert.StartsWith(SwarmTestbed.Image + "@sha256:", image, StringComparison.Ordinal);
        var running = bed.Docker(null, "service", "ps", "--filter", "desired-state=running", "--format", "{{.CurrentState}}", $"{_stack}_web").Stdout;
        Assert.StartsWith("Running", running, StringComparison.Ordinal);

        var again = Cli(config, "apply");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal($"{_stack}: in sync, nothing to do\n", again.Stdout);
        Assert.Equal(0, Cli(config, "plan").ExitCode);
    }

    [Fact]
    public void Apply_on_a_worker_is_refused_and_changes_nothing()
    {
        var apply = Cli(Config(), "apply", host: SwarmTestbed.Worker);

        Assert.True(apply.ExitCode == 1, apply.ToString());
        Assert.Contains("this node is a Swarm worker, not a manager", apply.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", apply.Stderr, StringComparison.Ordinal);
        Assert.Equal("", bed.Docker(null, "service", "ls", "-q", "--filter", $"label=com.docker.stack.namespace={_stack}").Stdout.Trim());
    }

    [Fact]
    public void Apply_of_a_host_stack_is_refused_before_touching_any_engine()
    {
        var apply = Cli(Config(engine: "host"), "apply");

        Assert.True(apply.ExitCode == 1, apply.ToString());
        Assert.Contains("has engine: host", apply.Stderr, StringComparison.Ordinal);
    }

    private ProcessRunner.Result Cli(string config, string command, string? json = null, string host = SwarmTestbed.Manager) =>
        ProcessRunner.Run("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "reconciler.dll"), command, "--stack", _stack, "--config", config, "-H", host, .. json is null ? Array.Empty<string>() : [json]],
            env: new Dictionary<string, string> { ["DOCKER_CONFIG"] = Directory.CreateTempSubdirectory("swarm-cli-docker-").FullName },
            timeout: TimeSpan.FromMinutes(2));
}
