using Reconciler.TestSupport;

namespace Reconciler.Tests.Cli;

/// <summary><c>reconciler validate --host / --all-hosts</c>: the fleet repo's host files, as the config repo's CI runs it.</summary>
public sealed class ValidateHostsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-validate-hosts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A fleet repo with a shared stack, a good host file for web-1 and one with an unknown key for web-2.</summary>
    private string Config()
    {
        var origin = new OriginRepository(Path.Combine(_dir, "origin.git"), Path.Combine(_dir, "work"));
        origin.Commit("fleet", new Dictionary<string, string?>
        {
            ["stacks/web/compose.yaml"] = "services:\n  web:\n    image: busybox:1.36\n    environment:\n      SITE: ${DOMAIN}\n",
            ["hosts/web-1.yaml"] = "variables:\n  DOMAIN: one.example.test\nstacks:\n  - name: web\n    path: stacks/web\n",
            ["hosts/web-2.yaml"] = "stacks:\n  - name: web\n    path: stacks/web\n    prnue: false\n",
            ["hosts/README.md"] = "not a host file\n",
        });
        var path = Path.Combine(_dir, "ci.yaml");
        File.WriteAllText(path, $"""
            host_id: ci
            state_dir: {_dir}/state
            fleet:
              repo: infra
            repos:
              - name: infra
                url: {origin.BarePath}
            """);
        return path;
    }

    [Fact]
    public void All_hosts_checks_every_host_file_and_its_stacks_and_exits_1_naming_the_broken_one()
    {
        var result = ReconcilerBinary.Run(_dir, null, "validate", "--config", Config(), "--all-hosts");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("host web-1: hosts/web-1.yaml ok (1 stacks", result.Stdout);
        Assert.Contains("host web-1: web: ok (1 services", result.Stdout);
        Assert.Contains("error: host web-2: hosts/web-2.yaml:4:5: stacks[0].prnue: unknown key", result.Stderr);
        Assert.DoesNotContain("README", result.Stdout + result.Stderr);
    }

    [Fact]
    public void Host_checks_only_the_hosts_named()
    {
        var result = ReconcilerBinary.Run(_dir, null, "validate", "--config", Config(), "--host", "web-1");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("host web-1: hosts/web-1.yaml ok", result.Stdout);
        Assert.DoesNotContain("web-2", result.Stdout + result.Stderr);
    }

    [Fact]
    public void Without_a_host_flag_the_config_s_own_host_file_is_checked_and_a_missing_one_is_an_error()
    {
        var result = ReconcilerBinary.Run(_dir, null, "validate", "--config", Config());

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("error: host ci: hosts/ci.yaml: not found at infra@", result.Stderr);
    }
}
