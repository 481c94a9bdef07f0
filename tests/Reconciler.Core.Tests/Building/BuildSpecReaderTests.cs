using Reconciler.Core.Building;
using Reconciler.Core.Compose;
using Reconciler.Core.Tests.Compose.Loading;

namespace Reconciler.Core.Tests.Building;

/// <summary>What a <c>build:</c> section becomes for the engine's builder, and what it cannot do.</summary>
public class BuildSpecReaderTests
{
    private static BuildSpecs Read(string compose, Dictionary<string, string>? more = null, Func<string, string?>? refusal = null)
    {
        var files = new Dictionary<string, string> { ["/p/compose.yaml"] = compose, ["/p/Dockerfile"] = "FROM busybox\n" };
        foreach (var (k, v) in more ?? []) files["/p/" + k] = v;
        var loaded = InMemoryFiles.Load(compose, files.Where(f => f.Key != "/p/compose.yaml").ToDictionary(f => f.Key[3..], f => f.Value));
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors));
        return BuildSpecReader.Read(loaded.Project!, new InMemoryFiles(files, refusal));
    }

    private static string Errors(BuildSpecs specs) => string.Join("\n", specs.Errors);

    [Fact]
    public void The_short_form_builds_the_project_folder_with_its_Dockerfile_and_compose_labels()
    {
        var specs = Read("services:\n  web:\n    build: .\n");

        Assert.Empty(specs.Errors);
        var web = specs.Services["web"];
        Assert.Equal("/p", web.Context);
        Assert.Equal("/p/Dockerfile", web.Dockerfile);
        Assert.Null(web.DockerfileInline);
        Assert.False(web.ImageNamed);
        Assert.Equal("p", web.Labels["com.docker.compose.project"]);
        Assert.Equal("web", web.Labels["com.docker.compose.service"]);
        Assert.Equal("", web.Digest);
    }

    [Fact]
    public void Every_option_the_engines_builder_takes_is_carried_over()
    {
        var specs = Read("""
            services:
              web:
                image: shop/web:1.2
                build:
                  context: app
                  dockerfile: build/Dockerfile.prod
                  args: {VERSION: "1.2", EMPTY: ""}
                  target: runtime
                  labels: [team=shop]
                  network: host
                  extra_hosts: ["mirror=10.0.0.5"]
                  shm_size: 64m
                  cache_from: [shop/web:cache]
                  no_cache: true
                  pull: true
                  tags: [shop/web:latest]
                  ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 64}
                  platforms: [linux/amd64]
            """, new() { ["app/build/Dockerfile.prod"] = "FROM busybox\n" });

        Assert.True(specs.Errors.IsEmpty, Errors(specs));
        var web = specs.Services["web"];
        Assert.Equal("/p/app", web.Context);
        Assert.Equal("/p/app/build/Dockerfile.prod", web.Dockerfile);
        Assert.Equal(["EMPTY=", "VERSION=1.2"], web.Args.Select(a => $"{a.Key}={a.Value}"));
        Assert.Equal("runtime", web.Target);
        Assert.Equal("shop", web.Labels["team"]);
        Assert.Equal("host", web.Network);
        Assert.Equal(["mirror:10.0.0.5"], web.ExtraHosts.AsEnumerable());
        Assert.Equal(64 * 1024 * 1024, web.ShmSize);
        Assert.Equal(["shop/web:cache"], web.CacheFrom.AsEnumerable());
        Assert.True(web.NoCache);
        Assert.True(web.Pull);
        Assert.Equal(["shop/web:latest"], web.Tags.AsEnumerable());
        Assert.Equal(["nofile 1024 2048", "nproc 64 64"], web.Ulimits.Select(u => $"{u.Name} {u.Soft} {u.Hard}"));
        Assert.Equal("linux/amd64", web.Platform);
        Assert.True(web.ImageNamed);
    }

    [Fact]
    public void An_inline_Dockerfile_needs_no_file()
    {
        var specs = Read("services:\n  web:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM busybox\n        RUN true\n");

        Assert.True(specs.Errors.IsEmpty, Errors(specs));
        Assert.Null(specs.Services["web"].Dockerfile);
        Assert.Equal("FROM busybox\nRUN true\n", specs.Services["web"].DockerfileInline);
    }

    public static TheoryData<string, string, int> BuildKitOnly => new()
    {
        // the build keys, the key path named, the line of the key
        { "      ssh: [default]\n", "services.web.build.ssh", 5 },
        { "      secrets: [token]\n", "services.web.build.secrets", 5 },
        { "      additional_contexts: {base: ../base}\n", "services.web.build.additional_contexts", 5 },
        { "      cache_to: [type=inline]\n", "services.web.build.cache_to", 5 },
        { "      cache_from: [\"type=registry,ref=shop/web:cache\"]\n", "services.web.build.cache_from", 5 },
        { "      platforms: [linux/amd64, linux/arm64]\n", "services.web.build.platforms", 5 },
        { "      privileged: true\n", "services.web.build.privileged", 5 },
        { "      entitlements: [network.host]\n", "services.web.build.entitlements", 5 },
    };

    [Theory]
    [MemberData(nameof(BuildKitOnly))]
    public void What_only_BuildKit_can_do_is_an_error_naming_the_key_and_its_line(string keys, string path, int line)
    {
        var compose = "services:\n  web:\n    build:\n      context: .\n" + keys + (keys.Contains("secrets", StringComparison.Ordinal) ? "secrets:\n  token:\n    file: ./Dockerfile\n" : "");

        var specs = Read(compose);

        var error = Assert.Single(specs.Errors);
        Assert.Equal(Severity.Error, error.Severity);
        Assert.Equal(path, error.KeyPath);
        Assert.Equal(("/p/compose.yaml", line), (error.Where!.Value.File, error.Where!.Value.Line));
        Assert.Matches("BuildKit|the engine's builder", error.Message);
        Assert.Empty(specs.Services);
    }

    [Fact]
    public void A_remote_context_is_an_error()
    {
        var specs = Read("services:\n  web:\n    build: https://github.com/acme/web.git#main\n");

        var error = Assert.Single(specs.Errors);
        Assert.Equal("services.web.build.context", error.KeyPath);
        Assert.Contains("remote contexts are not supported", error.Message);
    }

    [Fact]
    public void A_missing_Dockerfile_is_an_error_at_its_key()
    {
        var specs = Read("services:\n  web:\n    build:\n      context: .\n      dockerfile: Dockerfile.missing\n");

        var error = Assert.Single(specs.Errors);
        Assert.Equal("services.web.build.dockerfile", error.KeyPath);
        Assert.Contains("Dockerfile.missing: no such file", error.Message);
    }

    [Fact]
    public void A_context_the_file_source_refuses_is_an_error_naming_the_path_as_resolved()
    {
        var specs = Read("services:\n  web:\n    build: ../../etc\n", refusal: p => p.StartsWith("/p", StringComparison.Ordinal) ? null : "resolves outside the stack's repository");

        var error = Assert.Single(specs.Errors);
        Assert.Equal("services.web.build.context", error.KeyPath);
        Assert.Contains("resolves outside the stack's repository", error.Message);
        Assert.Empty(specs.Services);
    }

    [Fact]
    public void A_service_without_build_has_no_spec()
    {
        var specs = Read("services:\n  web:\n    image: busybox:1.36\n");

        Assert.Empty(specs.Services);
        Assert.Empty(specs.Errors);
    }
}
