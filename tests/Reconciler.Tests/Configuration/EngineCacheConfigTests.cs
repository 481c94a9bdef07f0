using Reconciler.Configuration;

namespace Reconciler.Tests.Configuration;

public sealed class EngineCacheConfigTests
{
    private static (DaemonConfig? Config, IReadOnlyList<ConfigError> Errors) Parse(string top) =>
        DaemonConfigReader.Parse($"""
            state_dir: /var/lib/reconciler
            {top}
            repos:
              - name: infra
                url: /srv/git/infra.git
            """, "/etc/reconciler/config.yaml");

    [Fact]
    public void The_engine_cache_is_on_with_a_ten_minute_resync_unless_said_otherwise()
    {
        var (config, errors) = Parse("");
        Assert.Empty(errors);
        Assert.True(config!.EngineCache);
        Assert.Equal(TimeSpan.FromMinutes(10), config.ResyncInterval);
    }

    [Fact]
    public void Docker_cache_and_resync_interval_are_read()
    {
        var (config, errors) = Parse("""
            docker:
              host: unix:///run/docker.sock
              cache: false
              resync_interval: 2m
            """);
        Assert.Empty(errors);
        Assert.False(config!.EngineCache);
        Assert.Equal(TimeSpan.FromMinutes(2), config.ResyncInterval);
    }
}
