using Reconciler.Configuration;

namespace Reconciler.Tests.Configuration;

public sealed class StackEngineConfigTests
{
    private static (DaemonConfig? Config, IReadOnlyList<ConfigError> Errors) Parse(string engineLine) =>
        DaemonConfigReader.Parse($"""
            state_dir: /var/lib/reconciler
            repos:
              - name: infra
                url: /srv/git/infra.git
            stacks:
              - name: shop
                repo: infra
                {engineLine}
            """, "/etc/reconciler/config.yaml");

    [Fact]
    public void A_stack_runs_on_the_host_engine_unless_it_says_swarm()
    {
        var (host, errors) = Parse("");
        Assert.Empty(errors);
        Assert.Equal(StackEngine.Host, Assert.Single(host!.Stacks).Engine);

        var (swarm, swarmErrors) = Parse("engine: swarm");
        Assert.Empty(swarmErrors);
        Assert.Equal(StackEngine.Swarm, Assert.Single(swarm!.Stacks).Engine);
    }

    [Fact]
    public void An_unknown_engine_is_an_error_at_its_key()
    {
        var (_, errors) = Parse("engine: kubernetes");
        var error = Assert.Single(errors);
        Assert.Equal("stacks[0].engine", error.KeyPath);
        Assert.Contains("host or swarm", error.Message, StringComparison.Ordinal);
    }
}
