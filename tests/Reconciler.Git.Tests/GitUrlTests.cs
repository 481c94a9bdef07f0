namespace Reconciler.Git.Tests;

public sealed class GitUrlTests
{
    [Theory]
    [InlineData("https://github.com/o/r.git", GitUrlKind.Http)]
    [InlineData("http://127.0.0.1:8080/r.git", GitUrlKind.Http)]
    [InlineData("ssh://git@github.com/o/r.git", GitUrlKind.Ssh)]
    [InlineData("git+ssh://git@host/r.git", GitUrlKind.Ssh)]
    [InlineData("git@github.com:o/r.git", GitUrlKind.Ssh)]
    [InlineData("host:r.git", GitUrlKind.Ssh)]
    [InlineData("file:///srv/git/r.git", GitUrlKind.Local)]
    [InlineData("/srv/git/r.git", GitUrlKind.Local)]
    [InlineData("/srv/git/a:b.git", GitUrlKind.Local)]
    [InlineData("./a:b", GitUrlKind.Local)]
    [InlineData("git://host/r.git", GitUrlKind.Other)]
    internal void Tells_transports_apart_like_git(string url, GitUrlKind expected) =>
        Assert.Equal(expected, GitUrl.KindOf(url));

    [Theory]
    [InlineData("https://user:tok3n@github.com/o/r.git", "https://***@github.com/o/r.git")]
    [InlineData("https://ghp_abcdef@github.com/o/r.git", "https://***@github.com/o/r.git")]
    [InlineData("https://github.com/o/r.git", "https://github.com/o/r.git")]
    [InlineData("ssh://git:pw@host/r.git", "ssh://git:***@host/r.git")]
    [InlineData("ssh://git@host:2222/r.git", "ssh://git@host:2222/r.git")]
    [InlineData("git@github.com:o/r.git", "git@github.com:o/r.git")]
    [InlineData("https://u:p%40ss@host/a@b", "https://***@host/a@b")]
    public void Redacts_credentials_in_urls(string url, string expected) =>
        Assert.Equal(expected, GitUrl.Redact(url));

    [Fact]
    public void The_scrubber_masks_the_password_the_url_and_its_decoded_form()
    {
        var remote = new GitRemote { Name = "a", Url = "https://bob:p%40ss@host/r.git", Auth = GitAuth.None };
        var scrubber = new SecretScrubber(remote);

        var text = scrubber.Scrub("failed for https://bob:p%40ss@host/r.git with p@ss and p%40ss");

        Assert.Equal("failed for https://***@host/r.git with *** and ***", text);
    }

    [Fact]
    public void Auth_and_remote_never_print_the_secret()
    {
        var remote = new GitRemote { Name = "a", Url = "https://host/r.git", Auth = new GitHttpAuth("bob", "S3cret-token") };

        Assert.DoesNotContain("S3cret-token", remote.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("S3cret-token", remote.Auth.ToString(), StringComparison.Ordinal);
        Assert.Equal("http auth as bob", remote.Auth.ToString());
    }

    [Fact]
    public void The_ssh_command_quotes_paths_for_the_shell()
    {
        var remote = new GitRemote { Name = "a", Url = "git@host:r.git", Auth = new GitSshKeyAuth("/keys/it's key") };
        var transport = new GitCliTransport(remote, new SecretScrubber(remote), GitNetworkTimeouts.Default, "/state/known_hosts");

        Assert.Equal(
            "ssh -i '/keys/it'\\''s key' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new " +
            "-o 'UserKnownHostsFile=/state/known_hosts' -o ConnectTimeout=10 -o ServerAliveInterval=10 -o ServerAliveCountMax=3",
            transport.SshCommand());
    }

    [Fact]
    public void A_configured_known_hosts_file_replaces_the_learned_one_and_is_enforced()
    {
        var remote = new GitRemote { Name = "a", Url = "ssh://git@host/r.git", KnownHostsFile = "/etc/reconciler/known hosts" };
        var transport = new GitCliTransport(remote, new SecretScrubber(remote), GitNetworkTimeouts.Default, "/state/known_hosts");

        Assert.Equal(
            "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes " +
            "-o 'UserKnownHostsFile=/etc/reconciler/known hosts' -o ConnectTimeout=10 -o ServerAliveInterval=10 -o ServerAliveCountMax=3",
            transport.SshCommand());
    }
}
