using Reconciler.Daemon.Tests.Infrastructure;

namespace Reconciler.Daemon.Tests;

/// <summary>The daemon following repos served over the network on loopback: sshd with a key, git http-backend with basic auth.</summary>
[Collection(DaemonCollection.Name)]
public sealed class TransportTests(DaemonFixture fx, ITestOutputHelper output)
{
    [Theory]
    [InlineData(Transport.Ssh)]
    [InlineData(Transport.Http)]
    public async Task A_remote_repo_is_deployed_at_first_start_and_a_new_commit_runs_within_one_interval(Transport transport)
    {
        await using var s = Scenario.Create(fx, output, new ScenarioOptions { Transport = transport });
        await s.StartAndDeployAsync();
        Assert.Equal(Scenario.Image("1.0"), Assert.Single(await s.ServiceContainersAsync("web")).Image);

        var bump = s.Commit("web 2.0", new Dictionary<string, string?> { ["app/.env"] = Scenario.Env("2.0") });
        var took = await s.WaitForImageAsync("web", Scenario.Image("2.0"), TimeSpan.FromSeconds(60));
        s.Log($"[figure] {transport}: git push → new web container running: {took.TotalSeconds:0.00} s (interval 1 s)");
        Assert.True(took < TimeSpan.FromSeconds(20), $"{transport}: the commit took {took.TotalSeconds:0.0}s to run");
        await s.WaitForCommitAsync(bump, ["web"]);

        // Credentials never show up in what the daemon prints or records.
        var status = await s.CliAsync("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.DoesNotContain(DaemonFixture.HttpPassword, status.Stdout + status.Stderr);
        Assert.DoesNotContain(DaemonFixture.HttpPassword, s.Daemons[0].Output);
    }
}
