using Reconciler.Configuration;

namespace Reconciler.Tests.Configuration;

public sealed class ListenerConfigTests
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
    public void Webhook_listen_and_the_status_token_file_are_read_the_token_relative_to_the_config_file()
    {
        var (config, errors) = Parse("""
            metrics:
              listen: 127.0.0.1:9464
              status_token_file: status-token
            webhook:
              listen: 0.0.0.0:9465
            """);

        Assert.Empty(errors);
        Assert.Equal("127.0.0.1:9464", config!.MetricsListen);
        Assert.Equal("0.0.0.0:9465", config.WebhookListen);
        Assert.Equal("/etc/reconciler/status-token", config.StatusTokenFile);
    }

    [Fact]
    public void Without_webhook_or_token_keys_the_webhook_shares_metrics_listen_and_status_is_open()
    {
        var (config, errors) = Parse("");

        Assert.Empty(errors);
        Assert.Null(config!.WebhookListen);
        Assert.Null(config.StatusTokenFile);
    }

    [Theory]
    [InlineData("webhook:\n  listen: 127.0.0.1:9464", "webhook.listen", "same address")]
    [InlineData("webhook:\n  listen: hooks.example.test:443", "webhook.listen", "not an address:port")]
    [InlineData("webhook:\n  listen: 127.0.0.1", "webhook.listen", "not an address:port")]
    [InlineData("metrics:\n  listen: localhost", "metrics.listen", "not an address:port")]
    [InlineData("webhook:\n  port: 9465", "webhook.port", "unknown key")]
    public void A_bad_listen_address_is_an_error_naming_its_key(string top, string key, string message)
    {
        var (_, errors) = Parse(top);

        var error = Assert.Single(errors);
        Assert.Equal(key, error.KeyPath);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
