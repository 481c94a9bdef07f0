using Reconciler.Core.Compose;
using Reconciler.Core.Swarm;
using Reconciler.Core.Tests.Compose.Loading;

namespace Reconciler.Core.Tests.Swarm;

public class SwarmStackConverterTests
{
    public static TheoryData<string> Cases => [.. SwarmCases.Names];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Service_specs_equal_what_docker_stack_deploy_made_of_the_same_file(string caseName)
    {
        var conversion = SwarmCases.Convert(caseName);
        Assert.True(conversion.Succeeded, string.Join("\n", conversion.Diagnostics));
        var recorded = SwarmCases.Recorded(caseName);
        Assert.NotEmpty(recorded);
        Assert.Equal(recorded.Keys.Order(StringComparer.Ordinal), conversion.Stack!.Services.Values.Select(s => s.Name).Order(StringComparer.Ordinal));
        var differences = conversion.Stack.Services.Values
            .SelectMany(s => SwarmSpecComparison.Differences(SwarmCases.Json(s), recorded[s.Name]).Select(d => $"{s.Name} {d}"))
            .ToList();
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Warnings_read_as_docker_stack_deploy_printed_them(string caseName)
    {
        var stack = SwarmCases.Convert(caseName).Stack!;
        Assert.Equal(SwarmCases.RecordedWarnings(caseName), string.Concat(stack.CliWarnings.Select(l => l + "\n\n")));
    }

    [Fact]
    public void Each_ignored_option_is_a_warning_at_its_line()
    {
        var stack = SwarmCases.Convert("warnings").Stack!;
        var privileged = Assert.Single(stack.Warnings, w => w.KeyPath == "services.one.privileged");
        Assert.Equal(Severity.Warning, privileged.Severity);
        Assert.Equal(8, privileged.Where!.Value.Line);
        Assert.Contains(stack.Warnings, w => w.KeyPath == "services.one.container_name" && w.Message.Contains("not supported", StringComparison.Ordinal));
        Assert.Contains(stack.Warnings, w => w.KeyPath == "services.two.ipc" && w.Where!.Value.Line == 18);
    }

    [Fact]
    public void A_refused_option_is_an_error_with_the_clis_words_and_its_line()
    {
        var conversion = Convert("""
            services:
              web:
                image: busybox
                mem_limit: 64m
            """);
        Assert.False(conversion.Succeeded);
        Assert.Contains(conversion.Diagnostics, d => d.Severity == Severity.Error
            && d.Message == "Compose file contains unsupported options:\n\nmem_limit: Set resource limits using deploy.resources");
        var at = Assert.Single(conversion.Diagnostics, d => d.KeyPath == "services.web.mem_limit");
        Assert.Equal(4, at.Where!.Value.Line);
    }

    [Fact]
    public void Names_take_the_stack_name_unless_the_file_names_the_object()
    {
        var stack = Convert("""
            name: project
            services:
              web:
                image: busybox
                networks: [a, b]
                volumes:
                  - vol1:/v
                  - vol2:/w
            networks:
              a: {}
              b: {name: fixed-net}
            volumes:
              vol1: {}
              vol2: {name: fixed-vol}
            """, stackName: "shop").Stack!;
        var web = stack.Services["web"];
        Assert.Equal("shop_web", web.Name);
        Assert.Equal(["fixed-net", "shop_a"], web.TaskTemplate.Networks.Select(n => n.Target).ToArray());
        Assert.Equal(["shop_vol1", "fixed-vol"], web.TaskTemplate.ContainerSpec.Mounts!.Value.Select(m => m.Source!).ToArray());
        Assert.Equal(["fixed-net", "shop_a"], stack.Networks.Keys.ToArray());
        Assert.All(stack.Networks.Values, n => Assert.Equal("overlay", n.Driver));
        Assert.Equal("shop", web.Labels["com.docker.stack.namespace"]);
        Assert.Equal("busybox", web.Labels["com.docker.stack.image"]);
    }

    [Fact]
    public void A_service_without_networks_joins_the_stacks_default_overlay()
    {
        var stack = Convert("services:\n  web:\n    image: busybox\n", stackName: "shop").Stack!;
        var attachment = Assert.Single(stack.Services["web"].TaskTemplate.Networks);
        Assert.Equal("shop_default", attachment.Target);
        Assert.Equal(["web"], attachment.Aliases!.Value.ToArray());
        Assert.Equal("overlay", stack.Networks["shop_default"].Driver);
    }

    [Fact]
    public void Secret_content_is_read_and_never_printed()
    {
        var stack = Convert("""
            services:
              web:
                image: busybox
                secrets: [pw]
            secrets:
              pw:
                file: ./pw.txt
            """, new() { ["pw.txt"] = "s3cret-value" }).Stack!;
        var secret = Assert.Single(stack.Secrets);
        Assert.Equal("s3cret-value"u8.ToArray(), secret.Data.ToArray());
        Assert.DoesNotContain("s3cret", secret.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", stack.ToString(), StringComparison.Ordinal);
        Assert.Equal(64, secret.ContentHash.Length);
    }

    [Fact]
    public void A_changed_secret_file_changes_its_content_hash()
    {
        const string compose = "services:\n  web:\n    image: busybox\n    secrets: [pw]\nsecrets:\n  pw:\n    file: ./pw.txt\n";
        var one = Convert(compose, new() { ["pw.txt"] = "one" }).Stack!.Secrets[0].ContentHash;
        var two = Convert(compose, new() { ["pw.txt"] = "two" }).Stack!.Secrets[0].ContentHash;
        Assert.NotEqual(one, two);
    }

    [Fact]
    public void A_secret_from_the_environment_is_refused_at_its_line()
    {
        var conversion = Convert("""
            services:
              web:
                image: busybox
                secrets: [token]
            secrets:
              token:
                environment: TOKEN
            """);
        var error = Assert.Single(conversion.Diagnostics, d => d.Severity == Severity.Error);
        Assert.Equal("secrets.token", error.KeyPath);
        Assert.Equal(7, error.Where!.Value.Line);
    }

    [Fact]
    public void A_credential_spec_from_a_config_references_it_for_the_runtime_beside_its_file_references()
    {
        var conversion = Convert("""
            services:
              web:
                image: busybox
                configs: [spec, other]
                credential_spec:
                  config: spec
            configs:
              spec:
                file: ./spec.json
              other:
                file: ./other.txt
            """, new() { ["spec.json"] = "{}", ["other.txt"] = "x" });
        Assert.True(conversion.Succeeded, string.Join("\n", conversion.Diagnostics));
        var container = conversion.Stack!.Services["web"].TaskTemplate.ContainerSpec;
        Assert.Equal("s_spec", container.Privileges!.CredentialSpec!.Config);
        // Sorted by name, the file reference before the runtime one of the same config (the CLI's stable sort).
        Assert.Equal(["s_other:file", "s_spec:file", "s_spec:runtime"],
            container.Configs!.Value.Select(r => $"{r.ConfigName}:{(r.Runtime is null ? "file" : "runtime")}"));
        Assert.Contains("\"Runtime\":{}", SwarmPlanner.Json(conversion.Stack.Services["web"]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_credential_spec_from_a_file_or_the_registry_goes_as_written()
    {
        var conversion = Convert("""
            services:
              web:
                image: busybox
                credential_spec:
                  registry: my-gmsa
            """);
        var container = conversion.Stack!.Services["web"].TaskTemplate.ContainerSpec;
        Assert.Equal(new SwarmCredentialSpec { Registry = "my-gmsa" }, container.Privileges!.CredentialSpec);
        Assert.Empty(container.Configs!.Value);
        Assert.DoesNotContain(conversion.Diagnostics, d => d.KeyPath?.Contains("credential_spec", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("file: a.json\n      registry: b", "invalid credential spec: cannot specify both \"File\" and \"Registry\"")]
    [InlineData("config: c\n      file: a.json\n      registry: b", "invalid credential spec: cannot specify both \"Config\", \"File\", and \"Registry\"")]
    [InlineData("config: nowhere", "undefined config \"nowhere\": define it under the top-level configs:")]
    public void A_credential_spec_the_cli_refuses_is_refused_at_its_line(string spec, string message)
    {
        var conversion = Convert($"""
            services:
              web:
                image: busybox
                credential_spec:
                  {spec}
            configs:
              c:
                file: ./c.json
            """, new() { ["c.json"] = "{}" });
        var error = Assert.Single(conversion.Diagnostics, d => d.Severity == Severity.Error);
        Assert.Equal(message, error.Message);
        Assert.Equal("services.web.credential_spec", error.KeyPath);
        Assert.Equal(4, error.Where!.Value.Line);
    }

    [Fact]
    public void Secrets_and_configs_no_service_mounts_are_created_as_docker_stack_deploy_creates_them()
    {
        var conversion = Convert("""
            services:
              web:
                image: busybox
            secrets:
              spare:
                file: ./spare.txt
            configs:
              unused:
                file: ./spare.txt
            """, new() { ["spare.txt"] = "x" });
        Assert.Equal(["s_spare"], conversion.Stack!.Secrets.Select(o => o.Name));
        Assert.Equal(["s_unused"], conversion.Stack.Configs.Select(o => o.Name));
    }

    [Fact]
    public void A_config_over_swarms_500_KiB_is_refused_at_its_line()
    {
        var conversion = Convert("""
            services:
              web:
                image: busybox
                configs: [big]
            configs:
              big:
                file: ./big.txt
            """, new() { ["big.txt"] = new string('x', 500 * 1024 + 1) });
        var error = Assert.Single(conversion.Diagnostics, d => d.Severity == Severity.Error);
        Assert.Equal("configs.big.file", error.KeyPath);
        Assert.Equal(7, error.Where!.Value.Line);
    }

    [Fact]
    public void Global_mode_with_replicas_is_refused_as_the_cli_refuses_it()
    {
        var conversion = Convert("services:\n  web:\n    image: busybox\n    deploy:\n      mode: global\n      replicas: 2\n");
        Assert.Contains(conversion.Diagnostics, d => d.Severity == Severity.Error && d.Message == "replicas can only be used with replicated mode"
            && d.KeyPath == "services.web.deploy" && d.Where!.Value.Line == 4);
    }

    [Fact]
    public void A_service_without_an_image_is_refused()
    {
        var conversion = Convert("services:\n  web:\n    build: .\n", new() { ["Dockerfile"] = "FROM scratch\n" });
        Assert.Contains(conversion.Diagnostics, d => d.Severity == Severity.Error && d.KeyPath == "services.web.build");
    }

    [Fact]
    public void Cpus_finer_than_a_nano_cpu_are_refused()
    {
        var conversion = Convert("services:\n  web:\n    image: busybox\n    deploy:\n      resources:\n        limits:\n          cpus: \"0.0000000001\"\n");
        Assert.Contains(conversion.Diagnostics, d => d.Severity == Severity.Error && d.Message.StartsWith("value is too precise", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("net_admin", "", "CAP_NET_ADMIN", "")]
    [InlineData("ALL,chown", "", "ALL", "")]
    [InlineData("chown", "CAP_CHOWN,kill", "CAP_CHOWN", "CAP_KILL")]
    [InlineData("", "all,kill", "", "ALL")]
    public void Capabilities_are_normalized_as_the_cli_does(string add, string drop, string wantAdd, string wantDrop)
    {
        static string[] Split(string s) => s.Length == 0 ? [] : s.Split(',');
        var (a, d) = SwarmServiceConverter.Capabilities(Split(add), Split(drop));
        Assert.Equal(wantAdd, string.Join(',', a ?? []));
        Assert.Equal(wantDrop, string.Join(',', d ?? []));
    }

    [Fact]
    public void A_key_outside_the_3_9_format_is_ignored_with_a_warning()
    {
        var conversion = Convert("services:\n  web:\n    image: busybox\n    cpus: 0.5\n");
        Assert.True(conversion.Succeeded);
        var warning = Assert.Single(conversion.Diagnostics, d => d.KeyPath == "services.web.cpus");
        Assert.Equal(Severity.Warning, warning.Severity);
    }

    private static SwarmConversion Convert(string compose, Dictionary<string, string>? more = null, string stackName = "s")
    {
        var all = new Dictionary<string, string> { ["/p/compose.yaml"] = compose };
        foreach (var (k, v) in more ?? []) all["/p/" + k] = v;
        var files = new InMemoryFiles(all);
        var loaded = Reconciler.Core.Compose.Loading.ComposeLoader.Load(new LoadOptions { WorkingDirectory = "/p", KeepUnusedSecretsAndConfigs = true }, files);
        Assert.True(loaded.Success, string.Join("\n", loaded.Diagnostics));
        return SwarmStackConverter.Convert(loaded.Project!, stackName, files);
    }
}
