using Microsoft.Extensions.Time.Testing;
using Reconciler.Core.Policy;
using Reconciler.Daemon;

namespace Reconciler.Tests.Daemon;

public sealed class DaemonStatusTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    private DaemonStatus Ready()
    {
        var status = new DaemonStatus(_time) { ConfigLoaded = true, DockerReachable = true };
        status.ExpectRepo("infra");
        status.RepoFetched("infra", _time.GetUtcNow(), "abc");
        return status;
    }

    [Fact]
    public void Ready_once_config_engine_and_repos_are_there()
    {
        var (ready, reasons) = Ready().Readiness();
        Assert.True(ready, string.Join("; ", reasons));
    }

    [Fact]
    public void Not_ready_while_the_engine_cache_does_not_follow_the_engine()
    {
        var status = Ready();
        status.EngineCacheError = "the engine's event stream is down (connection refused); passes read the engine directly meanwhile";

        var (ready, reasons) = status.Readiness();

        Assert.False(ready);
        Assert.Equal([status.EngineCacheError], reasons);
        status.EngineCacheError = null;
        Assert.True(status.Readiness().Ready);
    }

    [Fact]
    public void With_fleet_not_ready_until_a_host_file_is_in_use()
    {
        var status = Ready();
        status.ExpectHostFile("hosts/a.yaml");
        Assert.Equal(["host file hosts/a.yaml not read yet"], status.Readiness().Reasons);

        status.HostFileRefused("infra", "hosts/a.yaml", "c1", "invalid", "hosts/a.yaml:3:5: stacks[0].nme: unknown key");
        Assert.Equal(["no usable host file: hosts/a.yaml:3:5: stacks[0].nme: unknown key"], status.Readiness().Reasons);

        status.HostFileUsed("infra", "hosts/a.yaml", "c2");
        Assert.True(status.Readiness().Ready);
        // A later refusal leaves the good file in use: still ready (status and metrics say why).
        status.HostFileRefused("infra", "hosts/a.yaml", "c3", "empty", "every stack dropped");
        Assert.True(status.Readiness().Ready);
    }

    [Fact]
    public void An_unreachable_engine_is_the_one_reason_given_not_its_cache_too()
    {
        var status = Ready();
        status.DockerReachable = false;
        status.DockerError = "connection refused";
        status.EngineCacheError = "stream down";

        Assert.Equal(["docker not reachable: connection refused"], status.Readiness().Reasons);
    }

    [Fact]
    public void The_last_change_stays_visible_after_no_op_passes_follow_it()
    {
        var status = Ready();
        status.StackPassed(new StackPassResult { Stack = "shop", Commit = "c1", Outcome = PassOutcome.Applied }, Trigger.Webhook);
        _time.Advance(TimeSpan.FromSeconds(1));
        status.StackPassed(new StackPassResult { Stack = "shop", Commit = "c1", Outcome = PassOutcome.Noop }, Trigger.Drift);

        var shop = Assert.Single(StatusDocument.From(status).Stacks);

        Assert.Equal(("Noop", "Drift"), (shop.Outcome, shop.Trigger));
        Assert.NotNull(shop.LastChange);
        Assert.Equal(("c1", "Applied", "Webhook"), (shop.LastChange.Commit, shop.LastChange.Outcome, shop.LastChange.Trigger));
        Assert.True(shop.LastChange.At < shop.At);
    }
}
