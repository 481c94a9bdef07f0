using Reconciler.Configuration;
using Reconciler.Core.Guardrails;

namespace Reconciler.Tests.Configuration;

public sealed class GuardrailConfigTests
{
    private static (DaemonConfig? Config, IReadOnlyList<ConfigError> Errors) Parse(string top, string stack = "") =>
        DaemonConfigReader.Parse($"""
            state_dir: /var/lib/reconciler
            {top}
            repos:
              - name: infra
                url: /srv/git/infra.git
            stacks:
              - name: shop
                repo: infra
                path: shop
            {stack}
              - name: blog
                repo: infra
                path: blog
            """, "/etc/reconciler/config.yaml");

    [Fact]
    public void Every_rule_warns_and_gc_keeps_three_commits_for_an_hour_unless_said_otherwise()
    {
        var (config, errors) = Parse("");
        Assert.Empty(errors);
        Assert.All(GuardrailRules.All, r => Assert.Equal(RuleLevel.Warn, config!.Stacks[0].Policy.LevelOf(r.Id)));
        Assert.Equal((true, 3, TimeSpan.FromHours(1)), (config!.ImageGc.Enabled, config.ImageGc.KeepCommits, config.ImageGc.GracePeriod));
    }

    [Fact]
    public void A_stack_overrides_the_fleet_rule_by_rule()
    {
        var (config, errors) = Parse("""
            policy:
              rules:
                mutable-tag: deny
                public-port: off
              require_digest: true
            image_gc: {keep_commits: 5, grace_period: 24h, enabled: false}
            """, """
                policy:
                  rules: {public-port: warn}
            """);
        Assert.Empty(errors);
        var shop = config!.Stacks.Single(s => s.Name == "shop").Policy;
        var blog = config.Stacks.Single(s => s.Name == "blog").Policy;
        Assert.Equal((RuleLevel.Deny, RuleLevel.Warn, true), (shop.LevelOf("mutable-tag"), shop.LevelOf("public-port"), shop.RequireDigest));
        Assert.Equal((RuleLevel.Deny, RuleLevel.Off), (blog.LevelOf("mutable-tag"), blog.LevelOf("public-port")));
        Assert.Equal((false, 5, TimeSpan.FromHours(24)), (config.ImageGc.Enabled, config.ImageGc.KeepCommits, config.ImageGc.GracePeriod));
    }

    [Theory]
    [InlineData("policy: {rules: {latest-tag: deny}}", "policy.rules.latest-tag", "unknown rule")]
    [InlineData("policy: {rules: {mutable-tag: error}}", "policy.rules.mutable-tag", "must be off, warn or deny")]
    [InlineData("policy: {mutable-tag: deny}", "policy.mutable-tag", "unknown key")]
    [InlineData("image_gc: {keep_commits: 0}", "image_gc.keep_commits", "invalid count")]
    public void Mistakes_are_errors_naming_the_key(string top, string path, string says)
    {
        var (config, errors) = Parse(top);
        Assert.Null(config);
        var e = Assert.Single(errors);
        Assert.Equal(path, e.KeyPath);
        Assert.Contains(says, e.Message);
        Assert.Equal(2, e.Line);
    }
}
