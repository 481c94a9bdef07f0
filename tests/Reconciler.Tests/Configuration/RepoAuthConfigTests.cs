using Reconciler.Configuration;

namespace Reconciler.Tests.Configuration;

public sealed class RepoAuthConfigTests
{
    private static (DaemonConfig? Config, IReadOnlyList<ConfigError> Errors) Parse(string url, string auth) =>
        DaemonConfigReader.Parse($"""
            state_dir: /var/lib/reconciler
            repos:
              - name: infra
                url: {url}
                auth:
            {auth}
            stacks:
              - name: shop
                repo: infra
                path: stacks/shop
            """, "/etc/reconciler/config.yaml");

    [Fact]
    public void Ssh_key_and_known_hosts_files_are_read_relative_to_the_config_file()
    {
        var (config, errors) = Parse("git@git.example.test:acme/infra.git", "      ssh_key_file: id_ed25519\n      known_hosts_file: known_hosts");

        Assert.Empty(errors);
        var auth = Assert.Single(config!.Repos).Auth!;
        Assert.Equal("/etc/reconciler/id_ed25519", auth.SshKeyFile);
        Assert.Equal("/etc/reconciler/known_hosts", auth.KnownHostsFile);
    }

    [Theory]
    [InlineData("https://git.example.test/acme/infra.git", "known_hosts_file")]
    [InlineData("/srv/git/infra.git", "known_hosts_file")]
    [InlineData("https://git.example.test/acme/infra.git", "ssh_key_file")]
    public void Ssh_settings_on_a_url_that_is_not_ssh_are_an_error_naming_the_key(string url, string key)
    {
        var (_, errors) = Parse(url, $"      {key}: /etc/reconciler/x");

        var error = Assert.Single(errors);
        Assert.Equal($"repos[0].auth.{key}", error.KeyPath);
        Assert.Contains("ssh", error.Message, StringComparison.Ordinal);
    }
}
