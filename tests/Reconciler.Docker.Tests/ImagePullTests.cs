using System.Text;
using Reconciler.Docker.Registry;

namespace Reconciler.Docker.Tests;

[Collection(EngineCollection.Name)]
public sealed class ImagePullTests(EngineFixture fx)
{
    private const string PlainImage = $"{EngineFixture.PlainRegistry}/reconciler-test/busybox:1.1";
    private const string AuthImage = $"{EngineFixture.AuthRegistry}/reconciler-test/busybox:1.0";

    private DockerEngine EngineWithConfig(string configDir) =>
        new(fx.Engine.Endpoint, new DockerConfigCredentials(configDir));

    private static string Base64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public async Task Pull_from_the_plain_registry_works_and_inspect_shows_the_digest()
    {
        var lines = new List<string>();
        var result = await fx.Engine.Images.PullAsync(PlainImage, new SyncProgress(lines.Add));

        Assert.Equal(PlainImage, result.Reference);
        Assert.StartsWith("sha256:", result.Digest);
        Assert.Contains(lines, l => l.StartsWith("Digest: sha256:", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("[=", StringComparison.Ordinal)); // no per-byte ticks

        var image = await fx.Engine.Images.InspectAsync(PlainImage);
        Assert.NotNull(image);
        Assert.StartsWith("sha256:", image.Id);
        Assert.Contains(PlainImage, image.RepoTags);
        Assert.Contains($"{EngineFixture.PlainRegistry}/reconciler-test/busybox@{result.Digest}", image.RepoDigests);
    }

    [Fact]
    public async Task Pull_by_digest_works()
    {
        var digest = (await fx.Engine.Images.PullAsync(PlainImage)).Digest;
        var byDigest = $"{EngineFixture.PlainRegistry}/reconciler-test/busybox@{digest}";
        var result = await fx.Engine.Images.PullAsync(byDigest);
        Assert.Equal(digest, result.Digest);
        Assert.NotNull(await fx.Engine.Images.InspectAsync(byDigest));
    }

    [Fact]
    public async Task Inspect_of_an_absent_image_is_null()
    {
        Assert.Null(await fx.Engine.Images.InspectAsync("reconciler-test/absent:9.9"));
    }

    [Fact]
    public async Task Pull_of_an_unknown_tag_names_image_registry_and_reason()
    {
        var reference = $"{EngineFixture.PlainRegistry}/reconciler-test/busybox:no-such-tag";
        var e = await Assert.ThrowsAsync<ImagePullException>(() => fx.Engine.Images.PullAsync(reference));
        Assert.Contains(reference, e.Message);
        Assert.Contains(EngineFixture.PlainRegistry, e.Message);
        Assert.Contains("manifest unknown", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(e.UsedCredentials);
    }

    [Fact]
    public async Task Pull_from_a_registry_that_is_not_listening_says_connection_refused()
    {
        var reference = "127.0.0.1:5999/reconciler-test/busybox:1.0";
        var e = await Assert.ThrowsAsync<ImagePullException>(() => fx.Engine.Images.PullAsync(reference));
        Assert.Contains(reference, e.Message);
        Assert.Contains("127.0.0.1:5999", e.Registry);
        Assert.Contains("connection refused", e.Message);
    }

    [Fact]
    public async Task Pull_from_the_auth_registry_works_with_credentials_from_the_docker_config()
    {
        var dir = fx.ConfigDirWith($$"""
            { "auths": { "{{EngineFixture.AuthRegistry}}": { "auth": "{{Base64($"{EngineFixture.AuthUser}:{EngineFixture.AuthPassword}")}}" } } }
            """);
        using var engine = EngineWithConfig(dir);
        var result = await engine.Images.PullAsync(AuthImage);
        Assert.StartsWith("sha256:", result.Digest);
        Assert.NotNull(await engine.Images.InspectAsync(AuthImage));
    }

    [Fact]
    public async Task Pull_from_the_auth_registry_works_with_username_and_password_under_an_http_key()
    {
        var dir = fx.ConfigDirWith($$"""
            { "auths": { "http://{{EngineFixture.AuthRegistry}}/v2/": { "username": "{{EngineFixture.AuthUser}}", "password": "{{EngineFixture.AuthPassword}}" } } }
            """);
        using var engine = EngineWithConfig(dir);
        var result = await engine.Images.PullAsync(AuthImage);
        Assert.StartsWith("sha256:", result.Digest);
    }

    [Fact]
    public async Task Pull_from_the_auth_registry_without_credentials_fails_clearly()
    {
        // The fixture's engine reads an empty config dir.
        var e = await Assert.ThrowsAsync<ImagePullException>(() => fx.Engine.Images.PullAsync(AuthImage));
        Assert.Contains(AuthImage, e.Message);
        Assert.Equal(EngineFixture.AuthRegistry, e.Registry);
        Assert.Contains("no basic auth credentials", e.Message);
        Assert.Contains("no credentials sent", e.Message);
        Assert.Contains(fx.EmptyDockerConfig, e.Message);
        Assert.False(e.UsedCredentials);
    }

    [Fact]
    public async Task Pull_with_a_wrong_password_fails_clearly_without_showing_the_password()
    {
        const string wrong = "not-the-password-42";
        var dir = fx.ConfigDirWith($$"""
            { "auths": { "{{EngineFixture.AuthRegistry}}": { "auth": "{{Base64($"{EngineFixture.AuthUser}:{wrong}")}}" } } }
            """);
        using var engine = EngineWithConfig(dir);
        var e = await Assert.ThrowsAsync<ImagePullException>(() => engine.Images.PullAsync(AuthImage));
        Assert.Contains(AuthImage, e.Message);
        Assert.Contains("unauthorized", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"user '{EngineFixture.AuthUser}'", e.Message);
        Assert.True(e.UsedCredentials);
        Assert.DoesNotContain(wrong, e.ToString());
        Assert.DoesNotContain(Base64($"{EngineFixture.AuthUser}:{wrong}"), e.ToString());
    }

    [Fact]
    public async Task Pull_with_an_unavailable_creds_store_falls_back_to_auths_and_says_so_on_failure()
    {
        var dir = fx.ConfigDirWith($$"""
            { "credsStore": "rtest-absent-helper", "auths": { "{{EngineFixture.AuthRegistry}}": {} } }
            """);
        using var engine = EngineWithConfig(dir);
        var e = await Assert.ThrowsAsync<ImagePullException>(() => engine.Images.PullAsync(AuthImage));
        Assert.Contains("docker-credential-rtest-absent-helper is not on PATH", e.Message);
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests want the lines in order, now.</summary>
    private sealed class SyncProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (this)
            {
                report(value);
            }
        }
    }
}
