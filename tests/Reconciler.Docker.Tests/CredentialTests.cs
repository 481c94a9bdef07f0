using System.Text;
using Reconciler.Docker.Registry;

namespace Reconciler.Docker.Tests;

public sealed class CredentialTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rtest-cfg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private DockerConfigCredentials Store(string json, Func<string, string?>? findExecutable = null)
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), json);
        return findExecutable is null
            ? new DockerConfigCredentials(_dir)
            : new DockerConfigCredentials(_dir) { FindExecutable = findExecutable };
    }

    private static string Base64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public async Task Base64_auth_is_decoded_and_matched_on_host()
    {
        var store = Store($$"""{ "auths": { "reg.example:5001": { "auth": "{{Base64("u:p:with:colons")}}" } } }""");
        var found = await store.FindAsync("reg.example:5001");
        Assert.Equal(("u", "p:with:colons", "reg.example:5001"), (found.Credential?.Username, found.Credential?.Password, found.Credential?.ServerAddress));
        Assert.Contains("auths[\"reg.example:5001\"]", found.Source);
        Assert.Null((await store.FindAsync("reg.example:5000")).Credential);
    }

    [Fact]
    public async Task Keys_with_scheme_and_path_match_and_identity_tokens_are_kept()
    {
        var store = Store("""{ "auths": { "https://reg.example/v2/": { "identitytoken": "tok" } } }""");
        var found = await store.FindAsync("reg.example");
        Assert.Equal("tok", found.Credential?.IdentityToken);
        Assert.Null(found.Credential?.Password);
    }

    [Theory]
    [InlineData("https://index.docker.io/v1/")]
    [InlineData("docker.io")]
    [InlineData("registry-1.docker.io")]
    public async Task Docker_hub_aliases_are_one_host(string key)
    {
        var store = Store($$"""{ "auths": { "{{key}}": { "username": "hubuser", "password": "hubpass" } } }""");
        var found = await store.FindAsync(ImageReference.Parse("nginx:1.27").RegistryHost);
        Assert.Equal("hubuser", found.Credential?.Username);
        Assert.Equal(ImageReference.DockerHubAuthKey, found.Credential?.ServerAddress);
    }

    [Fact]
    public async Task Missing_file_and_empty_entries_mean_anonymous_with_a_reason()
    {
        var none = await new DockerConfigCredentials(Path.Combine(_dir, "nope")).FindAsync("reg.example");
        Assert.Null(none.Credential);
        Assert.Contains("no Docker config file", none.Source);

        var empty = await Store("""{ "auths": { "reg.example": {} } }""").FindAsync("reg.example");
        Assert.Null(empty.Credential);
        Assert.Contains("holds no credentials", empty.Source);
    }

    [Fact]
    public async Task A_broken_config_file_is_an_error_not_anonymous()
    {
        var e = await Assert.ThrowsAsync<RegistryCredentialException>(() => Store("{ not json").FindAsync("reg.example").AsTask());
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public async Task A_creds_store_that_is_not_installed_is_skipped_with_a_clear_message()
    {
        var store = Store($$"""{ "credsStore": "desktop", "auths": { "reg.example": { "auth": "{{Base64("u:p")}}" } } }""", _ => null);
        var found = await store.FindAsync("reg.example");
        Assert.Equal("u", found.Credential?.Username); // fell back to the inline entry
        Assert.Contains("docker-credential-desktop is not on PATH; skipped", found.Source);
    }

    [Fact]
    public async Task Credential_helpers_are_asked_per_host_before_the_creds_store()
    {
        var helper = Path.Combine(_dir, "docker-credential-rtest");
        await File.WriteAllTextAsync(helper, """
            #!/bin/sh
            read server
            if [ "$server" = "reg.example" ]; then
              echo '{"ServerURL":"reg.example","Username":"helper-user","Secret":"helper-secret"}'
            else
              echo "credentials not found in native keychain" >&2; exit 1
            fi
            """.ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var store = Store("""{ "credsStore": "absent", "credHelpers": { "reg.example": "rtest" } }""",
            program => program == "docker-credential-rtest" ? helper : null);
        var found = await store.FindAsync("reg.example");
        Assert.Equal(("helper-user", "helper-secret"), (found.Credential?.Username, found.Credential?.Password));
        Assert.DoesNotContain("helper-secret", found.ToString());
        Assert.DoesNotContain("helper-secret", found.Credential!.ToString());

        var other = await store.FindAsync("other.example");
        Assert.Null(other.Credential);
        Assert.Contains("docker-credential-absent is not on PATH", other.Source);
    }

    [Fact]
    public void Credentials_never_print_their_secret()
    {
        var c = new RegistryCredential { ServerAddress = "r", Username = "u", Password = "hunter2" };
        Assert.DoesNotContain("hunter2", c.ToString());
        Assert.Contains("***", c.ToString());
    }

    [Fact]
    public void Environment_lookup_prefers_DOCKER_CONFIG_then_home()
    {
        Assert.Equal(Path.Combine("/cfg", "config.json"),
            DockerConfigCredentials.FromEnvironment(k => k == "DOCKER_CONFIG" ? "/cfg" : null).ConfigFile);
        Assert.Equal(Path.Combine("/home/me", ".docker", "config.json"),
            DockerConfigCredentials.FromEnvironment(k => k == "HOME" ? "/home/me" : null).ConfigFile);
    }

    [Theory]
    [InlineData("nginx", "nginx", null, null, "docker.io", "latest")]
    [InlineData("library/nginx:1.27", "library/nginx", "1.27", null, "docker.io", "1.27")]
    [InlineData("127.0.0.1:5000/app/web:2.0", "127.0.0.1:5000/app/web", "2.0", null, "127.0.0.1:5000", "2.0")]
    [InlineData("localhost/app", "localhost/app", null, null, "localhost", "latest")]
    [InlineData("ghcr.io/o/app@sha256:abc", "ghcr.io/o/app", null, "sha256:abc", "ghcr.io", "sha256:abc")]
    [InlineData("reg:5000/app:1@sha256:abc", "reg:5000/app", "1", "sha256:abc", "reg:5000", "sha256:abc")]
    [InlineData("Index.Docker.IO/library/nginx", "Index.Docker.IO/library/nginx", null, null, "docker.io", "latest")]
    public void Image_references_split_like_the_docker_cli(string reference, string name, string? tag, string? digest, string host, string apiTag)
    {
        var r = ImageReference.Parse(reference);
        Assert.Equal((name, tag, digest, host, apiTag), (r.Name, r.Tag, r.Digest, r.RegistryHost, r.ApiTag));
    }

    [Theory]
    [InlineData("app:")]
    [InlineData("app@")]
    [InlineData(":1")]
    public void Malformed_references_are_refused(string reference) =>
        Assert.Throws<FormatException>(() => ImageReference.Parse(reference));
}
