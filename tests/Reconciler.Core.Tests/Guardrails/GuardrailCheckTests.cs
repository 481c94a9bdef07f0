using System.Collections.Immutable;
using Reconciler.Core.Desired;
using Reconciler.Core.Guardrails;
using Reconciler.Core.Tests.Compose.Loading;

namespace Reconciler.Core.Tests.Guardrails;

/// <summary>
/// Every rule on a service that breaks it and one that does not, the exception with its reason, and
/// the file:line each finding points at (the offending key's own line in compose.yaml).
/// </summary>
public class GuardrailCheckTests
{
    /// <summary>A service that passes every rule; each test breaks one thing of it.</summary>
    private const string Good = """
        services:
          web:
            image: registry.example:5000/shop/web:1.4.2
            healthcheck:
              test: [CMD, wget, -q, localhost]
            logging:
              driver: json-file
              options: {max-size: 10m}
            mem_limit: 256m
            ports: ["127.0.0.1:8080:80"]
        """;

    private static PolicyReport Check(string compose, GuardrailSettings? settings = null)
    {
        var loaded = InMemoryFiles.Load(compose);
        Assert.True(loaded.Success, string.Join("\n", loaded.Diagnostics));
        var desired = DesiredStateBuilder.Build(loaded.Project!, new InMemoryFiles([]));
        return GuardrailCheck.Evaluate(loaded.Project!, desired, settings ?? GuardrailSettings.Default);
    }

    private static string Lines(PolicyReport report) =>
        string.Join("\n", report.Findings.Select(f => $"{f.Level.Name()} {f.Rule} {f.Service} {f.Where?.Line} {f.KeyPath}"));

    [Fact]
    public void A_service_following_every_habit_has_no_findings()
    {
        var report = Check(Good);
        Assert.Empty(report.Findings);
        Assert.False(report.Refuses);
    }

    [Theory]
    [InlineData("registry.example:5000/shop/web:latest", "uses :latest")]
    [InlineData("registry.example:5000/shop/web", "has no tag")]
    [InlineData("web", "has no tag")]
    public void A_latest_or_missing_tag_is_a_mutable_tag_at_the_image_line(string image, string says)
    {
        var report = Check(Good.Replace("registry.example:5000/shop/web:1.4.2", image));
        var f = Assert.Single(report.Findings);
        Assert.Equal(("mutable-tag", "web", 3, "services.web.image"), (f.Rule, f.Service, f.Where!.Value.Line, f.KeyPath));
        Assert.Contains(says, f.Message);
        Assert.Equal("/p/compose.yaml", f.Where.Value.File);
    }

    [Fact]
    public void A_registry_port_is_not_taken_for_a_tag()
    {
        Assert.Null(GuardrailCheck.MutableTag("registry:5000/app:2.0", requireDigest: false));
        Assert.NotNull(GuardrailCheck.MutableTag("registry:5000/app", requireDigest: false));
    }

    [Fact]
    public void Require_digest_flags_a_fixed_tag_and_accepts_a_digest()
    {
        var settings = GuardrailSettings.Default with { RequireDigest = true };
        Assert.Contains("not pinned by digest", Assert.Single(Check(Good, settings).Findings).Message);
        var pinned = Good.Replace(":1.4.2", ":1.4.2@sha256:" + new string('a', 64));
        Assert.Empty(Check(pinned, settings).Findings);
    }

    [Fact]
    public void A_service_built_here_is_not_asked_for_a_tag()
    {
        var report = Check(Good.Replace("image: registry.example:5000/shop/web:1.4.2", "build: ."));
        Assert.DoesNotContain(report.Findings, f => f.Rule == "mutable-tag");
    }

    [Fact]
    public void A_long_running_service_without_healthcheck_is_found_at_the_service_name()
    {
        var report = Check(Good.Replace("    healthcheck:\n      test: [CMD, wget, -q, localhost]\n", ""));
        var f = Assert.Single(report.Findings);
        Assert.Equal(("no-healthcheck", 2, "services.web"), (f.Rule, f.Where!.Value.Line, f.KeyPath));
    }

    [Fact]
    public void A_disabled_healthcheck_is_found_at_its_key()
    {
        var report = Check(Good.Replace("test: [CMD, wget, -q, localhost]", "disable: true"));
        var f = Assert.Single(report.Findings);
        Assert.Equal(("no-healthcheck", 4, "services.web.healthcheck"), (f.Rule, f.Where!.Value.Line, f.KeyPath));
    }

    [Fact]
    public void One_shot_jobs_need_no_healthcheck()
    {
        var report = Check("""
            services:
              migrate:
                image: app:1
                mem_limit: 64m
                logging: {driver: local}
              once:
                image: app:1
                restart: "no"
                mem_limit: 64m
                logging: {driver: local}
              web:
                image: app:1
                mem_limit: 64m
                logging: {driver: local}
                healthcheck: {test: [CMD, "true"]}
                depends_on:
                  migrate: {condition: service_completed_successfully}
            """);
        Assert.Empty(report.Findings);
    }

    [Theory]
    [InlineData("    logging:\n      driver: json-file\n      options: {max-size: 10m}\n", "", 2, "services.web")]
    [InlineData("options: {max-size: 10m}", "options: {max-file: \"3\"}", 6, "services.web.logging")]
    public void Json_file_logs_without_max_size_are_no_log_rotation(string from, string to, int line, string path)
    {
        var f = Assert.Single(Check(Good.Replace(from, to)).Findings);
        Assert.Equal(("no-log-rotation", line, path), (f.Rule, f.Where!.Value.Line, f.KeyPath));
    }

    [Theory]
    [InlineData("local")]
    [InlineData("journald")]
    public void Drivers_that_rotate_or_keep_no_file_pass(string driver)
    {
        Assert.Empty(Check(Good.Replace("driver: json-file", "driver: " + driver)).Findings);
    }

    [Fact]
    public void No_memory_limit_is_found_and_deploy_limits_count()
    {
        var f = Assert.Single(Check(Good.Replace("    mem_limit: 256m\n", "")).Findings);
        Assert.Equal(("no-memory-limit", 2), (f.Rule, f.Where!.Value.Line));
        var deploy = Good.Replace("    mem_limit: 256m\n", "    deploy:\n      resources:\n        limits: {memory: 256m}\n");
        Assert.Empty(Check(deploy).Findings);
    }

    [Fact]
    public void Privileged_is_found_at_its_key()
    {
        var f = Assert.Single(Check(Good + "\n    privileged: true").Findings);
        Assert.Equal(("privileged", 11, "services.web.privileged"), (f.Rule, f.Where!.Value.Line, f.KeyPath));
    }

    [Theory]
    [InlineData("network_mode: host", "network_mode")]
    [InlineData("pid: host", "pid")]
    [InlineData("ipc: host", "ipc")]
    [InlineData("uts: host", "uts")]
    [InlineData("userns_mode: host", "userns_mode")]
    public void Host_namespaces_are_found_at_their_key(string line, string key)
    {
        var f = Assert.Single(Check(Good + "\n    " + line).Findings);
        Assert.Equal(("host-namespace", 11, $"services.web.{key}"), (f.Rule, f.Where!.Value.Line, f.KeyPath));
    }

    [Theory]
    [InlineData("/var/run/docker.sock:/var/run/docker.sock")]
    [InlineData("/run/docker.sock:/docker.sock:ro")]
    [InlineData("/var/run:/host-run")]
    public void The_docker_socket_bind_mounted_is_found_at_the_volume(string volume)
    {
        var f = Assert.Single(Check(Good + $"\n    volumes:\n      - data:/data\n      - {volume}\nvolumes:\n  data: {{}}").Findings);
        Assert.Equal(("docker-socket", 13, "services.web.volumes[1]"), (f.Rule, f.Where!.Value.Line, f.KeyPath));
    }

    [Fact]
    public void Other_bind_mounts_pass()
    {
        Assert.Empty(Check(Good + "\n    volumes: [\"/srv/web:/data:ro\"]").Findings);
    }

    [Theory]
    [InlineData("\"8080:80\"")]
    [InlineData("\"0.0.0.0:8080:80\"")]
    [InlineData("\"80\"")]
    public void Ports_on_every_interface_are_public_port_at_the_port(string port)
    {
        var compose = Good.Replace("ports: [\"127.0.0.1:8080:80\"]", $"ports:\n      - \"127.0.0.1:9090:90\"\n      - {port}");
        var f = Assert.Single(Check(compose).Findings);
        Assert.Equal(("public-port", 12, "services.web.ports[1]"), (f.Rule, f.Where!.Value.Line, f.KeyPath));
    }

    [Fact]
    public void Deny_refuses_and_turns_into_a_load_error_with_file_and_line()
    {
        var settings = GuardrailSettings.Default.With([new("mutable-tag", RuleLevel.Deny)]);
        var report = Check(Good.Replace(":1.4.2", ":latest"), settings);
        Assert.True(report.Refuses);
        var d = Assert.Single(report.RefusalDiagnostics);
        Assert.Equal("/p/compose.yaml:3:5: services.web.image: mutable-tag (policy: deny): image \"registry.example:5000/shop/web:latest\" uses :latest, which moves with every push: name a version", d.ToString());
    }

    [Fact]
    public void Warn_reports_without_refusing_and_off_reports_nothing()
    {
        var bad = Good.Replace(":1.4.2", ":latest");
        var warn = Check(bad);
        Assert.Equal("warn mutable-tag web 3 services.web.image", Lines(warn));
        Assert.False(warn.Refuses);
        Assert.Empty(Check(bad, GuardrailSettings.Default.With([new("mutable-tag", RuleLevel.Off)])).Findings);
    }

    [Fact]
    public void An_exception_with_a_reason_silences_the_rule_for_that_service_only()
    {
        var compose = Good.Replace(":1.4.2", ":latest") + """

                x-reconciler:
                  allow:
                    - rule: mutable-tag
                      reason: the vendor publishes only latest
              worker:
                image: app:latest
                healthcheck: {test: [CMD, "true"]}
                logging: {driver: local}
                mem_limit: 64m
            """;
        var settings = GuardrailSettings.Default.With([new("mutable-tag", RuleLevel.Deny)]);
        var report = Check(compose, settings);
        Assert.Equal("deny mutable-tag worker 16 services.worker.image", Lines(report));
        var allowed = Assert.Single(report.Allowed);
        Assert.Equal(("web", "the vendor publishes only latest"), (allowed.Finding.Service, allowed.Reason));
    }

    [Theory]
    [InlineData("- mutable-tag", "needs a reason")]
    [InlineData("- {rule: mutable-tag}", "needs a reason")]
    [InlineData("- {rule: mutable-tag, reason: \"  \"}", "needs a reason")]
    [InlineData("- {rule: no-such-rule, reason: why}", "unknown rule")]
    [InlineData("- {rule: mutable-tag, reason: why, until: 2027}", "unknown key")]
    public void A_malformed_exception_makes_the_commit_invalid_with_its_line(string entry, string says)
    {
        var compose = Good + "\n    x-reconciler:\n      allow:\n        " + entry;
        var report = Check(compose);
        Assert.True(report.Refuses);
        var e = Assert.Single(report.Errors);
        Assert.Contains(says, e.Message);
        Assert.Equal(13, e.Where!.Value.Line);
        Assert.StartsWith("services.web.x-reconciler.allow[0]", e.KeyPath);
    }

    [Fact]
    public void Findings_are_ordered_by_service_then_rule()
    {
        var report = Check("""
            services:
              b:
                image: b
                privileged: true
              a:
                image: a:latest
            """);
        Assert.Equal("""
            warn mutable-tag a 6 services.a.image
            warn no-healthcheck a 5 services.a
            warn no-log-rotation a 5 services.a
            warn no-memory-limit a 5 services.a
            warn mutable-tag b 3 services.b.image
            warn no-healthcheck b 2 services.b
            warn no-log-rotation b 2 services.b
            warn no-memory-limit b 2 services.b
            warn privileged b 4 services.b.privileged
            """, Lines(report));
    }

    [Fact]
    public void Settings_merge_rule_by_rule()
    {
        var fleet = GuardrailSettings.Default.With([new("mutable-tag", RuleLevel.Deny), new("public-port", RuleLevel.Off)]);
        var stack = fleet.With([new("public-port", RuleLevel.Warn)]);
        Assert.Equal((RuleLevel.Deny, RuleLevel.Warn, RuleLevel.Warn), (stack.LevelOf("mutable-tag"), stack.LevelOf("public-port"), stack.LevelOf("privileged")));
        Assert.Equal(8, GuardrailRules.All.Length);
        Assert.Equal(GuardrailRules.All.Length, GuardrailRules.All.Select(r => r.Id).Distinct().Count());
    }
}
