using System.Text.RegularExpressions;
using Reconciler.Configuration;
using Reconciler.Core.Compose;
using Reconciler.Tests.Observability;

namespace Reconciler.Tests.Configuration;

/// <summary>What the config grants a stack's commit: host_files, variables, pass_env and limits.</summary>
public sealed class StackBoundaryConfigTests
{
    private static (DaemonConfig? Config, IReadOnlyList<ConfigError> Errors) Parse(string stack, string top = "") =>
        DaemonConfigReader.Parse($"""
            state_dir: /var/lib/reconciler
            {top}
            repos:
              - name: infra
                url: https://git.example.test/acme/infra.git
            stacks:
              - name: shop
                repo: infra
                path: stacks/shop
            {stack}
            """, "/etc/reconciler/config.yaml");

    private static StackConfig Shop(string stack, string top = "")
    {
        var (config, errors) = Parse(stack, top);
        Assert.Empty(errors);
        return Assert.Single(config!.Stacks);
    }

    private static ConfigError OnlyError(string stack, string top = "")
    {
        var (config, errors) = Parse(stack, top);
        Assert.Null(config);
        return Assert.Single(errors);
    }

    [Fact]
    public void A_stack_without_the_new_keys_reaches_nothing_outside_its_tree()
    {
        var shop = Shop("");

        Assert.Empty(shop.HostFiles);
        Assert.Empty(shop.Variables);
        Assert.Empty(shop.PassEnv);
        Assert.Equal(LoadLimits.Default, shop.Limits);
    }

    [Fact]
    public void Host_files_variables_and_pass_env_are_read()
    {
        var shop = Shop("""
                host_files: [/etc/reconciler/secrets/shop, /etc/reconciler/shop.env]
                variables:
                  TAG: "1.4"
                  EMPTY: ""
                  _PORT: 8080
                pass_env: [REGION, SMTP_PASSWORD]
            """);

        Assert.Equal(["/etc/reconciler/secrets/shop", "/etc/reconciler/shop.env"], shop.HostFiles.ToArray());
        Assert.Equal("1.4", shop.Variables["TAG"]);
        Assert.Equal("", shop.Variables["EMPTY"]);
        Assert.Equal("8080", shop.Variables["_PORT"]);
        Assert.Equal(["REGION", "SMTP_PASSWORD"], shop.PassEnv.ToArray());
    }

    [Fact]
    public void A_relative_host_file_is_an_error_naming_its_key()
    {
        var error = OnlyError("    host_files: [/etc/reconciler/ok, secrets/shop]");

        Assert.Equal("stacks[0].host_files[1]", error.KeyPath);
        Assert.Contains("not an absolute path", error.Message, StringComparison.Ordinal);
        Assert.Equal(10, error.Line);
    }

    [Theory]
    [InlineData("    variables: {1TAG: x}", "stacks[0].variables.1TAG")]
    [InlineData("    variables: {TAG-NAME: x}", "stacks[0].variables.TAG-NAME")]
    [InlineData("    variables: {TAG: }", "stacks[0].variables.TAG")]
    [InlineData("    variables: {TAG: [a]}", "stacks[0].variables.TAG")]
    [InlineData("    variables: [TAG]", "stacks[0].variables")]
    [InlineData("    pass_env: [GOOD, BAD=1]", "stacks[0].pass_env[1]")]
    [InlineData("    pass_env: [{A: 1}]", "stacks[0].pass_env[0]")]
    [InlineData("    variables: {TAG: x}\n    pass_env: [TAG]", "stacks[0].pass_env[0]")]
    public void A_bad_variable_or_pass_env_entry_is_an_error_naming_its_key(string stack, string key)
    {
        Assert.Equal(key, OnlyError(stack).KeyPath);
    }

    [Fact]
    public void Limits_take_sizes_with_units_and_counts()
    {
        var shop = Shop("""
                limits:
                  max_file_size: 8MiB
                  max_files: 32
                  max_depth: 40
                  max_nodes: 5000
                  max_value_size: 64k
                  max_expanded_size: 1g
            """);

        Assert.Equal(new LoadLimits
        {
            MaxFileBytes = 8L * 1024 * 1024, MaxFiles = 32, MaxDepth = 40, MaxNodes = 5000,
            MaxValueBytes = 64 * 1024, MaxExpandedBytes = 1024L * 1024 * 1024,
        }, shop.Limits);
    }

    [Fact]
    public void A_stack_inherits_the_fleet_limits_and_overrides_them_key_by_key()
    {
        var shop = Shop("    limits: {max_depth: 20}", "limits: {max_depth: 64, max_file_size: 1MiB}");

        Assert.Equal(LoadLimits.Default with { MaxDepth = 20, MaxFileBytes = 1024 * 1024 }, shop.Limits);
    }

    [Theory]
    [InlineData("    limits: {max_file_size: lots}", "stacks[0].limits.max_file_size")]
    [InlineData("    limits: {max_file_size: 0}", "stacks[0].limits.max_file_size")]
    [InlineData("    limits: {max_value_size: 4g}", "stacks[0].limits.max_value_size")]
    [InlineData("    limits: {max_depth: -1}", "stacks[0].limits.max_depth")]
    [InlineData("    limits: {max_files: 1.5}", "stacks[0].limits.max_files")]
    [InlineData("    limits: {max_size: 1m}", "stacks[0].limits.max_size")]
    [InlineData("    limits: 4MiB", "stacks[0].limits")]
    public void A_bad_limit_is_an_error_naming_its_key(string stack, string key)
    {
        Assert.Equal(key, OnlyError(stack).KeyPath);
    }

    [Fact]
    public void A_bad_fleet_limit_is_an_error_naming_its_key()
    {
        Assert.Equal("limits.max_nodes", OnlyError("", "limits: {max_nodes: many}").KeyPath);
    }

    [Fact]
    public void The_sample_configs_boundary_keys_read_as_documented_once_uncommented()
    {
        var sample = File.ReadAllLines(Path.Combine(Tools.RepoRoot, "config.sample.yaml"));
        var uncommented = sample.Select(l => Regex.Replace(l, @"^(\s*)# (\s*(?:host_files|variables|pass_env|limits|TAG|max_[a-z_]+):)", "$1$2"));

        var (config, errors) = DaemonConfigReader.Parse(string.Join("\n", uncommented), "/etc/reconciler/config.yaml");

        Assert.Empty(errors);
        var stack = Assert.Single(config!.Stacks);
        Assert.Equal(["/etc/reconciler/secrets/hello"], stack.HostFiles.ToArray());
        Assert.Equal("1.4", stack.Variables["TAG"]);
        Assert.Equal(["REGION"], stack.PassEnv.ToArray());
        Assert.Equal(LoadLimits.Default with { MaxFileBytes = 8 * 1024 * 1024 }, stack.Limits);
    }
}
