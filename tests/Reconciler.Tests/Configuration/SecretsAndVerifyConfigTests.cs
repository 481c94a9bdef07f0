using Reconciler.Configuration;

namespace Reconciler.Tests.Configuration;

/// <summary><c>age_key_file</c> (repo and stack) and <c>verify:</c> in the daemon config.</summary>
public sealed class SecretsAndVerifyConfigTests
{
    private static (DaemonConfig? Config, IReadOnlyList<ConfigError> Errors) Parse(string repoExtra, string stackExtra = "") =>
        DaemonConfigReader.Parse($"""
            state_dir: /var/lib/reconciler
            repos:
              - name: infra
                url: /srv/git/infra.git
            {repoExtra}
            stacks:
              - name: shop
                repo: infra
                path: stacks/shop
            {stackExtra}
              - name: blog
                repo: infra
                path: stacks/blog
            """, "/etc/reconciler/config.yaml");

    [Fact]
    public void A_repo_age_key_file_applies_to_its_stacks_unless_a_stack_names_its_own()
    {
        var (config, errors) = Parse("    age_key_file: age.key", "    age_key_file: /etc/reconciler/shop.key");

        Assert.Empty(errors);
        Assert.Equal("/etc/reconciler/age.key", Assert.Single(config!.Repos).AgeKeyFile);
        Assert.Equal("/etc/reconciler/shop.key", config.Stacks.Single(s => s.Name == "shop").AgeKeyFile);
        Assert.Equal("/etc/reconciler/age.key", config.Stacks.Single(s => s.Name == "blog").AgeKeyFile);
        Assert.Equal(["repos[0].age_key_file", "stacks[0].age_key_file"], SecretFiles.Named(config).Select(s => s.KeyPath));
    }

    [Fact]
    public void Verify_reads_its_files_relative_to_the_config_file()
    {
        var (config, errors) = Parse("    verify:\n      mode: head\n      ssh_allowed_signers_file: allowed_signers\n      gpg_keyring_file: /etc/trusted.gpg");

        Assert.Empty(errors);
        var verify = Assert.Single(config!.Repos).Verify!;
        Assert.Equal("head", verify.Mode);
        Assert.Equal("/etc/reconciler/allowed_signers", verify.SshAllowedSignersFile);
        Assert.Equal("/etc/trusted.gpg", verify.GpgKeyringFile);
    }

    [Theory]
    [InlineData("      mode: head", "repos[0].verify", "name the allowed keys")]
    [InlineData("      mode: tag\n      gpg_keyring_file: k", "repos[0].verify.mode", "tag is not supported yet")]
    [InlineData("      mode: latest\n      gpg_keyring_file: k", "repos[0].verify.mode", "must be head")]
    [InlineData("      ssh_allowed_signer_file: x", "repos[0].verify", "ssh_allowed_signer_file")]
    public void A_verify_block_that_cannot_work_is_an_error_naming_the_key(string body, string keyPath, string message)
    {
        var (_, errors) = Parse("    verify:\n" + body);

        Assert.Contains(errors, e => e.KeyPath.StartsWith(keyPath, StringComparison.Ordinal) && e.ToString().Contains(message, StringComparison.Ordinal));
    }
}
