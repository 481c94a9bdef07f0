using Reconciler.Configuration;
using Reconciler.Fleet;

namespace Reconciler.Tests.Fleet;

/// <summary>
/// The host file as the daemon reads it: stacks and per-host variables, strict keys with file:line
/// errors, repos only from the local config, no name or project shared with the config's stacks.
/// </summary>
public sealed class HostFileReaderTests
{
    private const string File = "hosts/web-1.yaml";
    private static readonly StackOrigin Origin = new(File, "infra", "0123456789abcdef0123456789abcdef01234567");

    internal static DaemonConfig Config(string extra = "", string stacks = "")
    {
        var (config, errors) = DaemonConfigReader.Parse($"""
            host_id: web-1
            state_dir: /var/lib/reconciler
            fleet:
              repo: infra
            repos:
              - name: infra
                url: https://git.example.test/acme/infra.git
              - name: apps
                url: https://git.example.test/acme/apps.git
            {extra}
            stacks:
            {stacks}
            """, "/etc/reconciler/config.yaml");
        Assert.Empty(errors);
        return config!;
    }

    private static HostFile Read(string text, DaemonConfig? config = null)
    {
        var (file, errors) = DaemonConfigReader.ParseHostFile(text, config ?? Config(), Origin);
        Assert.Empty(errors);
        return file!;
    }

    private static ConfigError OnlyError(string text, DaemonConfig? config = null)
    {
        var (file, errors) = DaemonConfigReader.ParseHostFile(text, config ?? Config(), Origin);
        Assert.Null(file);
        return Assert.Single(errors);
    }

    [Fact]
    public void The_config_reads_host_id_and_fleet_with_the_default_path()
    {
        var config = Config();

        Assert.Equal("web-1", config.HostId);
        Assert.Equal("infra", config.Fleet!.Repo);
        Assert.Equal("hosts/web-1.yaml", config.Fleet.HostFile(config.HostId));
    }

    [Fact]
    public void A_config_without_host_id_takes_the_machine_host_name_when_it_is_a_valid_id()
    {
        var (config, errors) = DaemonConfigReader.Parse("""
            repos:
              - name: infra
                url: https://git.example.test/acme/infra.git
            """, "/etc/reconciler/config.yaml");

        Assert.Empty(errors);
        Assert.Equal(HostIds.FromMachine() ?? "localhost", config!.HostId);
        Assert.Null(config.Fleet);
    }

    [Theory]
    [InlineData("Web_1", "lowercase")]
    [InlineData("-web", "start and end")]
    [InlineData("a..b", "\"..\"")]
    [InlineData("a/b", "lowercase letters")]
    public void A_host_id_that_could_not_name_a_file_is_an_error_at_its_line(string id, string said)
    {
        var (config, errors) = DaemonConfigReader.Parse($"""
            repos:
              - name: infra
                url: https://git.example.test/acme/infra.git
            host_id: "{id}"
            """, "/etc/reconciler/config.yaml");

        Assert.Null(config);
        var error = Assert.Single(errors);
        Assert.Equal(4, error.Line);
        Assert.Equal("host_id", error.KeyPath);
        Assert.Contains(said, error.Message);
    }

    [Fact]
    public void A_fleet_repo_that_is_not_configured_is_an_error()
    {
        var (config, errors) = DaemonConfigReader.Parse("""
            repos:
              - name: infra
                url: https://git.example.test/acme/infra.git
            fleet:
              repo: fleet
              path: hosts/{host_id}.yaml
            """, "/etc/reconciler/config.yaml");

        Assert.Null(config);
        var error = Assert.Single(errors);
        Assert.Equal("fleet.repo", error.KeyPath);
        Assert.Contains("no repo named \"fleet\"", error.Message);
    }

    [Fact]
    public void Stacks_take_the_fleet_repo_by_default_another_configured_repo_when_named_and_the_options_of_a_local_stack()
    {
        var file = Read("""
            stacks:
              - name: web
                path: stacks/web
                project: web-one
                env_files: [stacks/web/.env, hosts/web-1.env]
                files: [compose.yaml, compose.web-1.yaml]
                profiles: [edge]
                prune: false
                self_heal: false
                drift_interval: 5m
                suspend: true
                rollback: "off"
                health_timeout: 30s
              - name: api
                repo: apps
                path: api
            """);

        var web = file.Stacks[0];
        Assert.Equal(("web", "infra", "stacks/web", "web-one"), (web.Name, web.Repo, web.Path, web.ProjectName));
        Assert.Equal(["stacks/web/.env", "hosts/web-1.env"], web.EnvFiles.ToArray());
        Assert.Equal(["compose.yaml", "compose.web-1.yaml"], web.Files.ToArray());
        Assert.Equal(["edge"], web.Profiles.ToArray());
        Assert.False(web.Prune);
        Assert.False(web.SelfHeal);
        Assert.True(web.Suspend);
        Assert.Equal("off", web.Rollback);
        Assert.Equal(TimeSpan.FromMinutes(5), web.DriftInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), web.HealthTimeout);
        Assert.Equal(Origin, web.Origin);
        var api = file.Stacks[1];
        Assert.Equal(("api", "apps"), (api.Name, api.Repo));
    }

    [Fact]
    public void Host_variables_reach_every_stack_and_a_stack_s_own_win()
    {
        var file = Read("""
            variables:
              DOMAIN: web-1.example.test
              DATA: /srv/data
            stacks:
              - name: web
                path: stacks/web
                variables:
                  DATA: /srv/web
              - name: api
                path: stacks/api
            """);

        Assert.Equal("web-1.example.test", file.Stacks[0].Variables["DOMAIN"]);
        Assert.Equal("/srv/web", file.Stacks[0].Variables["DATA"]);
        Assert.Equal("/srv/data", file.Stacks[1].Variables["DATA"]);
        Assert.Equal("/srv/data", file.Variables["DATA"]);
    }

    [Fact]
    public void Stacks_of_a_host_file_get_the_config_s_limits_and_policy_and_no_host_files_or_pass_env()
    {
        var config = Config(extra: "policy: {rules: {mutable-tag: deny}}\nlimits: {max_files: 12}");
        var web = Assert.Single(Read("stacks: [{name: web, path: stacks/web}]", config).Stacks);

        Assert.Same(config.Policy, web.Policy);
        Assert.Equal(12, web.Limits.MaxFiles);
        Assert.Empty(web.HostFiles);
        Assert.Empty(web.PassEnv);
    }

    [Theory]
    [InlineData("host_files: [/etc/shadow]")]
    [InlineData("pass_env: [HOME]")]
    [InlineData("age_key_file: /etc/reconciler/age.key")]
    [InlineData("policy: {rules: {privileged: off}}")]
    [InlineData("limits: {max_files: 100000}")]
    public void Keys_only_the_local_config_may_set_are_refused_in_a_host_file_with_file_and_line(string key)
    {
        var error = OnlyError($"""
            stacks:
              - name: web
                path: stacks/web
                {key}
            """);

        Assert.Equal(File, error.File);
        Assert.Equal(4, error.Line);
        Assert.StartsWith("stacks[0].", error.KeyPath);
        Assert.Contains("daemon config only", error.Message);
    }

    [Fact]
    public void An_unknown_key_is_an_error_naming_file_line_key_path_and_the_known_keys()
    {
        var error = OnlyError("""
            stacks:
              - name: web
                path: stacks/web
                prnue: true
            """);

        Assert.Equal("hosts/web-1.yaml:4:5: stacks[0].prnue: unknown key (known keys: name, repo, path, files, profiles, env_files, project, prune, self_heal, drift_interval, suspend, health_timeout, rollback, variables, engine, host_files, pass_env, limits, policy, age_key_file)",
            error.ToString());
    }

    [Fact]
    public void A_repo_the_local_config_does_not_declare_is_refused()
    {
        var error = OnlyError("""
            stacks:
              - name: web
                repo: elsewhere
                path: stacks/web
            """);

        Assert.Equal("stacks[0].repo", error.KeyPath);
        Assert.Contains("no repo named \"elsewhere\"", error.Message);
        Assert.Contains("only the repos the host's own config declares", error.Message);
    }

    [Fact]
    public void A_stack_name_the_local_config_already_uses_is_refused()
    {
        var config = Config(stacks: "  - {name: web, repo: apps, path: web}");
        var error = OnlyError("stacks: [{name: web, path: stacks/web}]", config);

        Assert.Equal("stacks[0].name", error.KeyPath);
        Assert.Contains("also a stack of the daemon config /etc/reconciler/config.yaml: rename one of them", error.Message);
    }

    [Fact]
    public void Two_stacks_on_one_compose_project_are_refused()
    {
        var error = OnlyError("""
            stacks:
              - {name: web, path: stacks/web}
              - {name: web2, path: stacks/web, project: web}
            """);

        Assert.Equal("stacks[1].project", error.KeyPath);
        Assert.Contains("already stack web's", error.Message);
    }

    [Fact]
    public void Broken_yaml_is_one_error_with_its_line()
    {
        var error = OnlyError("stacks:\n  - name: web\n    path: [stacks/web\n  - name: api\n");

        Assert.Equal(File, error.File);
        Assert.True(error.Line is >= 3 and <= 5, error.ToString());
        Assert.Contains("YAML syntax error", error.Message);
    }

    [Fact]
    public void An_empty_file_is_a_host_without_stacks()
    {
        Assert.Empty(Read("# nothing runs here yet\n").Stacks);
        Assert.Empty(Read("stacks: []\n").Stacks);
    }

    [Fact]
    public void A_missing_host_file_says_which_file_commit_and_host_id()
    {
        var load = HostFileLoad.Of(Config(), File, "infra", Origin.Commit!, text: null, message: "");

        Assert.Null(load.HostFile);
        var error = Assert.Single(load.Errors);
        Assert.Contains("hosts/web-1.yaml: not found at infra@0123456789ab", error);
        Assert.Contains("host_id (web-1)", error);
    }

    [Theory]
    [InlineData("hosts/web-1.yaml", "web-1")]
    [InlineData("hosts/db.yaml", "db")]
    [InlineData("hosts/readme.md", null)]
    [InlineData("hosts/.yaml", null)]
    [InlineData("stacks/web.yaml", null)]
    [InlineData("hosts/UPPER.yaml", null)]
    public void The_path_template_finds_the_host_id_of_a_host_file(string path, string? id) =>
        Assert.Equal(id, new FleetConfig { Repo = "infra" }.HostIdOf(path));
}
