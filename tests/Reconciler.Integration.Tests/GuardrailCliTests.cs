using Reconciler.Integration.Tests.Infrastructure;
using Reconciler.TestSupport;

namespace Reconciler.Integration.Tests;

/// <summary>The guardrails and image GC from the command line, on the real engine.</summary>
public sealed class GuardrailCliTests(EngineFixture fx) : IClassFixture<EngineFixture>
{
    [Fact]
    public async Task Plan_reports_findings_on_stderr_and_a_rule_on_deny_fails_it_with_file_and_line()
    {
        var stack = new TestStack(fx, $$"""
            services:
              web:
                image: reconciler-test/busybox
                mem_limit: 64m
                logging: {driver: local}
                healthcheck: {test: [CMD, "true"]}
            """);
        string[] project = ["-f", stack.ComposeFile, "-p", stack.Project];

        var warned = await ReconcilerCli.RunAsync(fx, stack.Directory, ["plan", .. project]);
        Assert.True(warned.ExitCode == 2, warned.ToString());
        Assert.Contains($"policy: warning: {stack.ComposeFile}:3:5: services.web.image: mutable-tag: image \"reconciler-test/busybox\" has no tag", warned.Stderr);
        Assert.DoesNotContain("policy", warned.Stdout);

        var denied = await ReconcilerCli.RunAsync(fx, stack.Directory, ["plan", .. project, "--policy", "mutable-tag=deny"]);
        Assert.True(denied.ExitCode == 1, denied.ToString());
        Assert.Contains($"policy: error: {stack.ComposeFile}:3:5: services.web.image: mutable-tag:", denied.Stderr);

        var off = await ReconcilerCli.RunAsync(fx, stack.Directory, ["plan", .. project, "--policy", "mutable-tag=off"]);
        Assert.True(off.ExitCode == 2 && !off.Stderr.Contains("policy", StringComparison.Ordinal), off.ToString());

        var wrong = await ReconcilerCli.RunAsync(fx, stack.Directory, ["plan", .. project, "--policy", "latest=deny"]);
        Assert.True(wrong.ExitCode == 1, wrong.ToString());
        Assert.Contains("write RULE=off|warn|deny with RULE one of mutable-tag, no-healthcheck", wrong.Stderr);
    }

    [Fact]
    public async Task Gc_dry_run_lists_every_image_and_removes_nothing_it_did_not_pull()
    {
        var dir = fx.NewTempDir();
        var config = Path.Combine(dir, "config.yaml");
        File.WriteAllText(config, $"""
            state_dir: {dir}/state
            repos:
              - name: infra
                url: {dir}/repo
            stacks:
              - name: shop
                repo: infra
                path: shop
            """);
        using (var store = new Reconciler.State.SqliteStateStore(new Reconciler.State.SqliteStateStoreOptions { StateDirectory = Path.Combine(dir, "state") }, TimeProvider.System))
            await store.OpenAsync(CancellationToken.None);

        // An image of this test's own that no container uses: other tests' containers may use every
        // shared image while this runs, so only this one is sure to reach the "not pulled" rule.
        // Labelled with a tracked project, so the fixture's clean-up removes it like a built image.
        var project = fx.NewProject();
        var own = $"{project}/unused:1";
        var built = ProcessRunner.Run("docker", ["build", "-q", "-t", own, "-"], stdin: $"FROM {EngineFixture.Image}\nLABEL {EngineFixture.ProjectLabel}={project}\n", timeout: TimeSpan.FromMinutes(2));
        Assert.True(built.ExitCode == 0, built.Stderr);

        var dry = await ReconcilerCli.RunAsync(fx, dir, ["gc", "--dry-run", "--config", config]);

        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("dry run: 0 images would be removed, 0 bytes", dry.Stdout);
        Assert.Contains("reconciler-test/busybox", dry.Stdout);
        var line = dry.Stdout.Split('\n').SingleOrDefault(l => l.Contains(own, StringComparison.Ordinal));
        Assert.True(line is not null, dry.ToString());
        Assert.Contains("not pulled by Reconciler", line);
        Assert.DoesNotContain("remove ", dry.Stdout);
        Assert.Equal(0, ProcessRunner.Run("docker", ["image", "inspect", own]).ExitCode);
    }
}
