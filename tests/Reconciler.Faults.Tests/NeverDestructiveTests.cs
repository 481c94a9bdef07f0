using Reconciler.Faults.Tests.Infrastructure;

namespace Reconciler.Faults.Tests;

/// <summary>
/// Issue 7 §6: never destructive. Named volumes outlive a service pruned from git and the whole
/// stack folder deleted with prune_stacks; containers without this project's labels are never touched.
/// </summary>
public sealed class NeverDestructiveTests(ITestOutputHelper output)
{
    private static string Yaml(bool withCache) =>
        "services:\n" +
        $"  web:\n    image: {DockerCli.Image10}\n    stop_grace_period: 2s\n    volumes:\n      - data:/data\n" +
        (withCache ? $"  cache:\n    image: {DockerCli.Image10}\n    stop_grace_period: 2s\n    volumes:\n      - cachedata:/data\n" : "") +
        "volumes:\n  data:\n" +
        (withCache ? "  cachedata:\n" : "");

    [Fact]
    public async Task A_pruned_service_and_a_deleted_stack_folder_keep_their_named_volumes_with_data_and_bystanders_stay_untouched_throughout()
    {
        await using var s = await Scenario.CreateAsync(output);

        // Bystanders, made before the daemon starts: an unlabelled container with the project's name
        // prefix, a container of another compose project whose name starts with ours, and a one-off
        // (docker compose run) container of this very project.
        var owner = $"{Scenario.OwnerLabel}={s.Project}";
        var bystanders = new List<string>
        {
            await s.Docker.OkAsync("run", "-d", "--name", $"{s.Project}-bystander", "--label", owner, DockerCli.Image10),
            await s.Docker.OkAsync("run", "-d", "--name", $"{s.Project}x-web-1", "--label", owner,
                "--label", $"com.docker.compose.project={s.Project}x", "--label", "com.docker.compose.service=web",
                "--label", "com.docker.compose.container-number=1", "--label", "com.docker.compose.oneoff=False", DockerCli.Image10),
            await s.Docker.OkAsync("run", "-d", "--name", $"{s.Project}-web-run-0a1b2c", "--label", owner,
                "--label", $"com.docker.compose.project={s.Project}", "--label", "com.docker.compose.service=web",
                "--label", "com.docker.compose.container-number=1", "--label", "com.docker.compose.oneoff=True", DockerCli.Image10),
        };
        var initial = new List<ContainerInfo>();
        foreach (var id in bystanders) initial.Add((await s.Docker.InspectAsync(id))!);

        async Task AssertBystandersUntouchedAsync(string when)
        {
            foreach (var before in initial)
            {
                var now = await s.Docker.InspectAsync(before.Id);
                await s.AssertAsync(now is { Running: true } && now.StartedAt == before.StartedAt && now.RestartCount == 0 && now.Name == before.Name,
                    $"{when}: bystander {before.Name} was touched: {now?.ToString() ?? "removed"}");
            }
        }

        var first = await s.CommitComposeAsync("web and cache", Yaml(withCache: true));
        var daemon = s.StartDaemon(c => c with { PruneStacks = true });
        await s.WaitAsync("web and cache running", async () =>
        {
            var ours = (await s.ContainersAsync()).Where(c => c.Label("com.docker.compose.oneoff") != "True").ToList();
            return ours.Count == 2 && ours.All(c => c.Running && c.Commit == first);
        }, TimeSpan.FromSeconds(60));
        await s.WaitSettledAsync(first);
        var dataToken = await s.WriteTokenAsync("web");
        var cacheToken = Guid.NewGuid().ToString("N");
        await s.Docker.OkAsync("exec", s.ContainerName("cache"), "sh", "-c", $"echo {cacheToken} > /data/token && sync");
        await AssertBystandersUntouchedAsync("after the first deploy");

        // 1. The cache service (and its volume's declaration) deleted from git, prune: true.
        var second = await s.CommitComposeAsync("drop cache", Yaml(withCache: false));
        await s.WaitAsync("cache removed, web kept", async () =>
        {
            var ours = (await s.ContainersAsync()).Where(c => c.Label("com.docker.compose.oneoff") != "True").ToList();
            return ours.Count == 1 && ours[0].Service == "web" && ours[0].Running;
        }, TimeSpan.FromSeconds(60));
        await s.AssertTokenAsync(cacheToken, "cachedata");
        await s.AssertTokenAsync(dataToken);
        await AssertBystandersUntouchedAsync("after pruning a service");

        // 2. The whole stack folder deleted from git, prune_stacks: true: its containers go, nothing else.
        await s.Git.CommitAsync("stack moved out", new Dictionary<string, string?> { ["app"] = null, ["README"] = "nothing here\n" });
        await s.WaitAsync("the stack's containers removed", async () =>
            (await s.ContainersAsync()).All(c => c.Label("com.docker.compose.oneoff") == "True"), TimeSpan.FromSeconds(60));
        // Two more passes over the removed stack: still nothing but its containers goes.
        await s.WaitForMorePassesAsync(2);
        Assert.True(daemon.Running);
        await s.AssertTokenAsync(dataToken);
        await s.AssertTokenAsync(cacheToken, "cachedata");
        var networks = await s.Docker.OkAsync("network", "ls", "--format", "{{.Name}}", "--filter", $"name={s.Project}_default");
        Assert.Contains($"{s.Project}_default", networks);
        await AssertBystandersUntouchedAsync("after pruning the stack");
        output.WriteLine(await daemon.StatusAsync());
        _ = second;
    }
}
