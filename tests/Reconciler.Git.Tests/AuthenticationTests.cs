using Xunit.Abstractions;
using Reconciler.Git.Tests.Infrastructure;

namespace Reconciler.Git.Tests;

[Collection(GitServersCollection.Name)]
public sealed class AuthenticationTests(GitServerFixture servers, ITestOutputHelper output)
{
    private OriginRepository NewOriginWithCommit()
    {
        var origin = servers.NewOrigin();
        origin.Commit("one", new Dictionary<string, string?> { ["compose.yaml"] = "x\n" });
        return origin;
    }

    private void AssertNamesRepository(GitException e, string url)
    {
        output.WriteLine(e.Message);
        Assert.Contains("'app'", e.Message, StringComparison.Ordinal);
        Assert.Contains(url, e.Message, StringComparison.Ordinal);
        Assert.Equal("app", e.Repository);
    }

    private static void AssertNoSecret(Exception e, string secret)
    {
        Assert.DoesNotContain(secret, e.ToString(), StringComparison.Ordinal);
        for (var x = e; x is not null; x = x.InnerException)
        {
            Assert.DoesNotContain(secret, x.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_wrong_ssh_key_is_an_authentication_error_that_does_not_show_the_key()
    {
        var origin = NewOriginWithCommit();
        var remote = servers.RemoteFor(Transport.Ssh, origin) with { Auth = new GitSshKeyAuth(servers.Ssh.WrongKey) };
        var mirror = new GitRepositoryMirror(remote, servers.NewDirectory(), GitServerFixture.Fast);
        var keyText = File.ReadAllLines(servers.Ssh.WrongKey)[1]; // a line of the private key's body

        var head = await Assert.ThrowsAsync<GitAuthenticationException>(() => mirror.GetRemoteHeadAsync());
        var fetch = await Assert.ThrowsAsync<GitAuthenticationException>(() => mirror.FetchAsync());

        foreach (var e in new GitException[] { head, fetch })
        {
            AssertNamesRepository(e, remote.Url);
            Assert.Contains("Permission denied", e.Message, StringComparison.Ordinal);
            AssertNoSecret(e, keyText);
        }
    }

    [Fact]
    public async Task A_configured_known_hosts_file_is_the_only_source_of_trusted_host_keys()
    {
        var origin = NewOriginWithCommit();
        var dir = servers.NewDirectory("known-hosts");
        var trusted = Path.Combine(dir, "trusted");
        File.WriteAllText(trusted, servers.Ssh.KnownHostsLine + "\n");
        // The same host and port with another key: what a server that is not the real one shows.
        var otherKey = File.ReadAllText(servers.Ssh.WrongKey + ".pub").Trim();
        var impostor = Path.Combine(dir, "impostor");
        File.WriteAllText(impostor, $"[127.0.0.1]:{servers.Ssh.Port} {otherKey}\n");
        var state = servers.NewDirectory();

        var good = new GitRepositoryMirror(servers.RemoteFor(Transport.Ssh, origin) with { KnownHostsFile = trusted }, state, GitServerFixture.Patient);
        Assert.Equal(origin.Head(), (await good.FetchAsync()).Sha);
        Assert.False(File.Exists(Path.Combine(state, "known_hosts")), "with a configured known_hosts nothing is learned into the state dir");
        Assert.Equal(servers.Ssh.KnownHostsLine + "\n", File.ReadAllText(trusted)); // and the operator's file is not written to

        var refused = new GitRepositoryMirror(servers.RemoteFor(Transport.Ssh, origin) with { KnownHostsFile = impostor }, servers.NewDirectory(), GitServerFixture.Fast);
        var e = await Assert.ThrowsAsync<GitAuthenticationException>(() => refused.GetRemoteHeadAsync());
        output.WriteLine(e.Message);
        Assert.Contains("Host key", e.Message, StringComparison.OrdinalIgnoreCase);

        // A host missing from the file is refused too (no accept-new when a file is configured).
        var empty = Path.Combine(dir, "empty");
        File.WriteAllText(empty, "");
        var unknown = new GitRepositoryMirror(servers.RemoteFor(Transport.Ssh, origin) with { KnownHostsFile = empty }, servers.NewDirectory(), GitServerFixture.Fast);
        await Assert.ThrowsAsync<GitAuthenticationException>(() => unknown.GetRemoteHeadAsync());
        Assert.Equal("", File.ReadAllText(empty));

        var missing = new GitRepositoryMirror(servers.RemoteFor(Transport.Ssh, origin) with { KnownHostsFile = "/nonexistent/known_hosts" }, servers.NewDirectory());
        var m = await Assert.ThrowsAsync<GitAuthenticationException>(() => missing.GetRemoteHeadAsync());
        Assert.Contains("/nonexistent/known_hosts", m.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_known_hosts_file_the_first_host_key_is_remembered_in_the_state_dir()
    {
        var origin = NewOriginWithCommit();
        var state = servers.NewDirectory();
        var mirror = new GitRepositoryMirror(servers.RemoteFor(Transport.Ssh, origin), state, GitServerFixture.Patient);

        await mirror.FetchAsync();

        var learned = File.ReadAllText(Path.Combine(state, "known_hosts"));
        Assert.Contains(servers.Ssh.HostPublicKey.Split(' ')[1], learned, StringComparison.Ordinal);
    }

    [Fact]
    public void A_known_hosts_file_needs_an_ssh_url()
    {
        var remote = new GitRemote { Name = "app", Url = "https://example.test/r.git", KnownHostsFile = "/etc/reconciler/known_hosts" };

        var e = Assert.Throws<ArgumentException>(() => new GitRepositoryMirror(remote, servers.NewDirectory()));
        Assert.Contains("known_hosts", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_ssh_key_file_is_an_authentication_error()
    {
        var origin = NewOriginWithCommit();
        var remote = servers.RemoteFor(Transport.Ssh, origin) with { Auth = new GitSshKeyAuth("/nonexistent/id_ed25519") };
        var mirror = new GitRepositoryMirror(remote, servers.NewDirectory());

        var e = await Assert.ThrowsAsync<GitAuthenticationException>(() => mirror.GetRemoteHeadAsync());
        Assert.Contains("/nonexistent/id_ed25519", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_http_password_is_an_authentication_error_that_does_not_show_the_password()
    {
        var origin = NewOriginWithCommit();
        const string Wrong = "Wrong-pw-51d2e0";
        var remote = servers.RemoteFor(Transport.Http, origin) with { Auth = new GitHttpAuth(GitServerFixture.HttpUser, Wrong) };
        var mirror = new GitRepositoryMirror(remote, servers.NewDirectory(), GitServerFixture.Fast);

        var head = await Assert.ThrowsAsync<GitAuthenticationException>(() => mirror.GetRemoteHeadAsync());
        var fetch = await Assert.ThrowsAsync<GitAuthenticationException>(() => mirror.FetchAsync());

        foreach (var e in new GitException[] { head, fetch })
        {
            AssertNamesRepository(e, remote.Url);
            Assert.Contains("rejected the credentials", e.Message, StringComparison.Ordinal);
            AssertNoSecret(e, Wrong);
        }
        Assert.DoesNotContain(Wrong, remote.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Wrong, remote.Auth.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Wrong, mirror.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_http_remote_that_needs_credentials_and_gets_none_is_an_authentication_error()
    {
        var origin = NewOriginWithCommit();
        var remote = servers.RemoteFor(Transport.Http, origin) with { Auth = GitAuth.None };
        var mirror = new GitRepositoryMirror(remote, servers.NewDirectory(), GitServerFixture.Fast);

        var e = await Assert.ThrowsAsync<GitAuthenticationException>(() => mirror.GetRemoteHeadAsync());
        Assert.Contains("none is configured", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_embedded_in_an_http_url_work_and_never_appear_in_messages()
    {
        var origin = NewOriginWithCommit();
        var url = servers.UrlFor(Transport.Http, origin).Replace("http://", $"http://{GitServerFixture.HttpUser}:{GitServerFixture.HttpPassword}@", StringComparison.Ordinal);
        var remote = new GitRemote { Name = "app", Url = url, Branch = "main" };
        var mirror = new GitRepositoryMirror(remote, servers.NewDirectory(), GitServerFixture.Patient);

        Assert.Equal(origin.Head(), (await mirror.FetchAsync()).Sha);
        Assert.DoesNotContain(GitServerFixture.HttpPassword, File.ReadAllText(Path.Combine(mirror.MirrorPath, "config")), StringComparison.Ordinal);
        Assert.DoesNotContain(GitServerFixture.HttpPassword, remote.ToString(), StringComparison.Ordinal);
        Assert.Contains("http://***@127.0.0.1", remote.RedactedUrl, StringComparison.Ordinal);

        var wrong = remote with { Url = url.Replace(GitServerFixture.HttpPassword, "Embedded-wrong-9e1", StringComparison.Ordinal), Branch = "main" };
        var e = await Assert.ThrowsAsync<GitAuthenticationException>(() => new GitRepositoryMirror(wrong, servers.NewDirectory(), GitServerFixture.Fast).GetRemoteHeadAsync());
        AssertNoSecret(e, "Embedded-wrong-9e1");
        AssertNoSecret(e, GitServerFixture.HttpUser + ":");
        Assert.Contains("***@127.0.0.1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_for_the_wrong_kind_of_url_are_a_configuration_error()
    {
        var state = servers.NewDirectory();
        Assert.Throws<ArgumentException>(() => new GitRepositoryMirror(new GitRemote { Name = "a", Url = "ssh://git@example.test/x.git", Auth = new GitHttpAuth("u", "p") }, state));
        Assert.Throws<ArgumentException>(() => new GitRepositoryMirror(new GitRemote { Name = "a", Url = "https://example.test/x.git", Auth = new GitSshKeyAuth("/k") }, state));
        Assert.Throws<ArgumentException>(() => new GitRepositoryMirror(new GitRemote { Name = "../a", Url = "/srv/x.git" }, state));
        Assert.Throws<ArgumentException>(() => new GitRepositoryMirror(new GitRemote { Name = "a", Url = "/srv/x.git", Branch = "a..b" }, state));
    }
}
