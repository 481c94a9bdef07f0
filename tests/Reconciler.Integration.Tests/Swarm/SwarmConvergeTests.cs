using System.Text.Json.Nodes;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Swarm;
using Reconciler.Docker;
using Reconciler.Docker.Swarm;
using Reconciler.Files;

namespace Reconciler.Integration.Tests.Swarm;

/// <summary>Converging a stack on the three-node test bed through Reconciler's Swarm engine.</summary>
[Collection(SwarmCollection.Name)]
public sealed class SwarmConvergeTests(SwarmTestbed bed) : IAsyncLifetime
{
    private readonly string _stack = "conv" + Guid.NewGuid().ToString("N")[..6];
    private readonly string _dir = Directory.CreateTempSubdirectory("swarm-converge-").FullName;

    private const string Compose = """
        services:
          web:
            image: 10.213.0.1:5000/testbed/busybox:latest
            command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
            secrets: [token]
            configs: [settings]
            healthcheck:
              test: ["CMD", "true"]
              interval: 2s
            deploy:
              replicas: REPLICAS
              endpoint_mode: dnsrr
        secrets:
          token:
            file: ./token.txt
        configs:
          settings:
            file: ./settings.conf
        """;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await bed.RemoveStackAsync(_stack);

    private SwarmStack Desired(int replicas = 3, string token = "t-1")
    {
        File.WriteAllText(Path.Combine(_dir, "compose.yaml"), Compose.Replace("REPLICAS", replicas.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(_dir, "token.txt"), token);
        File.WriteAllText(Path.Combine(_dir, "settings.conf"), "level=info\n");
        var files = new DiskFileSource();
        var loaded = ComposeLoader.Load(new LoadOptions { WorkingDirectory = _dir, ProjectName = _stack }, files);
        Assert.True(loaded.Success, string.Join("\n", loaded.Diagnostics));
        var conversion = SwarmStackConverter.Convert(loaded.Project!, _stack, files);
        Assert.True(conversion.Succeeded, string.Join("\n", conversion.Diagnostics));
        return conversion.Stack!;
    }

    private async Task<SwarmPlan> ConvergeAsync(SwarmStack desired)
    {
        var (plan, execution) = await bed.Engine.ConvergeAsync(desired, prune: true, resolveImages: true, default);
        Assert.False(plan.IsBlocked, plan.ToString());
        Assert.True(execution.Succeeded, string.Join("\n", execution.Failures.Select(f => f.Error)));
        return plan;
    }

    private (ulong Version, string UpdatedAt) VersionOf(string service)
    {
        var s = JsonNode.Parse(bed.Docker(null, "service", "inspect", $"{_stack}_{service}").Stdout)![0]!;
        return (s["Version"]!["Index"]!.GetValue<ulong>(), s["UpdatedAt"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_second_converge_with_nothing_changed_issues_no_update()
    {
        var first = await ConvergeAsync(Desired());
        Assert.Contains(first.Actions, a => a is CreateSwarmService);
        var before = VersionOf("web");

        var second = await ConvergeAsync(Desired());
        var third = await ConvergeAsync(Desired());

        Assert.True(second.IsEmpty, second.ToString());
        Assert.True(third.IsEmpty, third.ToString());
        Assert.Equal(before, VersionOf("web"));
    }

    [Fact]
    public async Task A_scale_by_hand_is_drift_that_the_next_converge_repairs()
    {
        await ConvergeAsync(Desired(replicas: 2));
        bed.Docker(null, "service", "scale", "--detach", $"{_stack}_web=1");

        var repair = await ConvergeAsync(Desired(replicas: 2));

        var update = Assert.IsType<UpdateSwarmService>(Assert.Single(repair.Actions));
        Assert.Equal(["Mode.Replicated.Replicas: 1 → 2"], update.Changes.ToArray());
        var replicas = JsonNode.Parse(bed.Docker(null, "service", "inspect", $"{_stack}_web").Stdout)![0]!["Spec"]!["Mode"]!["Replicated"]!["Replicas"]!.GetValue<int>();
        Assert.Equal(2, replicas);
        Assert.True((await ConvergeAsync(Desired(replicas: 2))).IsEmpty);
    }

    [Fact]
    public async Task New_secret_content_rolls_the_service_onto_a_new_secret_version()
    {
        await ConvergeAsync(Desired(token: "t-1"));
        var plan = await ConvergeAsync(Desired(token: "t-2"));

        Assert.Equal(["create secret", "update service"], plan.Actions.Select(a => string.Join(' ', a.Describe().Split(' ').Take(2))).ToArray());
        var names = bed.Docker(null, "secret", "ls", "--filter", $"label=com.docker.stack.namespace={_stack}", "--format", "{{.Name}}").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // Both versions stay: the previous spec (Swarm's rollback target) still names the first.
        Assert.Equal(2, names.Length);
        Assert.All(names, n => Assert.StartsWith($"{_stack}_token-", n, StringComparison.Ordinal));
        Assert.True((await ConvergeAsync(Desired(token: "t-2"))).IsEmpty);
    }

    [Fact]
    public async Task Draining_a_node_moves_its_tasks_and_the_stack_stays_in_sync()
    {
        await ConvergeAsync(Desired(replicas: 3));
        var before = await WaitForRunningAsync(3);
        // Swarm spreads three replicas over three nodes: sw3 has one to give up.
        Assert.Contains(before, t => t.StartsWith("sw3 ", StringComparison.Ordinal));
        try
        {
            bed.Docker(null, "node", "update", "--availability", "drain", "sw3");
            await WaitForRunningAsync(3, notOn: "sw3");
            Assert.True((await ConvergeAsync(Desired(replicas: 3))).IsEmpty);
        }
        finally
        {
            bed.Docker(null, "node", "update", "--availability", "active", "sw3");
        }
    }

    [Fact]
    public async Task Prune_removes_a_service_that_left_the_file_and_the_secret_versions_only_it_used()
    {
        await ConvergeAsync(Desired());
        var empty = new SwarmStack { Name = _stack };

        var plan = await ConvergeAsync(empty);

        Assert.Contains(plan.Actions, a => a is RemoveSwarmService { Name: var n } && n == $"{_stack}_web");
        Assert.Equal("", bed.Docker(null, "service", "ls", "-q", "--filter", $"label=com.docker.stack.namespace={_stack}").Stdout.Trim());
        Assert.Equal("", bed.Docker(null, "secret", "ls", "-q", "--filter", $"label=com.docker.stack.namespace={_stack}").Stdout.Trim());
    }

    /// <summary>Waits until the service has <paramref name="count"/> running tasks, none on <paramref name="notOn"/>.</summary>
    private async Task<List<string>> WaitForRunningAsync(int count, string? notOn = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            last = bed.Docker(null, "service", "ps", "--filter", "desired-state=running", "--format", "{{.Node}} {{.CurrentState}}", $"{_stack}_web").Stdout;
            var running = last.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Split(' ')[1] == "Running").ToList();
            if (running.Count == count && (notOn is null || running.All(l => l.Split(' ')[0] != notOn))) return running;
            await Task.Delay(500);
        }
        Assert.Fail($"not {count} running tasks{(notOn is null ? "" : " off " + notOn)} within 60 s:\n{last}");
        return [];
    }

    [Fact]
    public async Task A_worker_node_reports_the_stack_as_not_deployable_there()
    {
        using var worker = new SwarmEngine(DockerEndpoint.Resolve(SwarmTestbed.Worker));
        Assert.Equal(SwarmRole.Worker, await worker.RoleAsync(default));

        var (plan, execution) = await worker.ConvergeAsync(Desired(), prune: false, resolveImages: false, default);

        Assert.True(plan.IsBlocked);
        Assert.Contains("not a manager", Assert.Single(plan.Problems), StringComparison.Ordinal);
        Assert.Empty(execution.Outcomes);
        Assert.Equal("", bed.Docker(null, "service", "ls", "-q", "--filter", $"label=com.docker.stack.namespace={_stack}").Stdout.Trim());
    }
}
