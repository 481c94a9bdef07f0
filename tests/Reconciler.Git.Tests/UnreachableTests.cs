using Xunit.Abstractions;
using System.Diagnostics;
using Reconciler.Git.Tests.Infrastructure;

namespace Reconciler.Git.Tests;

[Collection(GitServersCollection.Name)]
public sealed class UnreachableTests(GitServerFixture servers, ITestOutputHelper output)
{
    // Fast timeouts are 2s connect + 2s idle; allow generous slack for a loaded CI machine.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private async Task<GitUnreachableException> AssertUnreachableQuickly(GitRemote remote, bool fetch = false)
    {
        var mirror = new GitRepositoryMirror(remote, servers.NewDirectory(), GitServerFixture.Fast);
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<GitUnreachableException>(() => fetch ? mirror.FetchAsync() : mirror.GetRemoteHeadAsync());
        watch.Stop();
        output.WriteLine($"{watch.Elapsed.TotalSeconds:0.00}s {e.Message}");
        Assert.True(watch.Elapsed < Bound, $"took {watch.Elapsed}: {e.Message}");
        Assert.Contains($"'{remote.Name}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(remote.RedactedUrl, e.Message, StringComparison.Ordinal);
        return e;
    }

    private static GitRemote Remote(string url, GitAuth? auth = null) => new() { Name = "app", Url = url, Branch = "main", Auth = auth ?? GitAuth.None };

    [Fact]
    public async Task A_closed_http_port_is_unreachable()
    {
        var port = LoopbackPort.Free();
        await AssertUnreachableQuickly(Remote($"http://127.0.0.1:{port}/x.git"));
        await AssertUnreachableQuickly(Remote($"http://127.0.0.1:{port}/x.git"), fetch: true);
    }

    [Fact]
    public async Task An_http_server_that_never_answers_is_unreachable_within_the_timeout()
    {
        using var silent = new SilentServer();
        var e = await AssertUnreachableQuickly(Remote($"http://127.0.0.1:{silent.Port}/x.git", new GitHttpAuth("u", "Silent-secret-1")));
        Assert.DoesNotContain("Silent-secret-1", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_ssh_port_is_unreachable()
    {
        var port = LoopbackPort.Free();
        var e = await AssertUnreachableQuickly(Remote($"ssh://root@127.0.0.1:{port}/srv/x.git", new GitSshKeyAuth(servers.Ssh.ClientKey)));
        Assert.Contains("Connection refused", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ssh_server_that_never_answers_is_unreachable_within_the_timeout()
    {
        using var silent = new SilentServer();
        await AssertUnreachableQuickly(Remote($"ssh://root@127.0.0.1:{silent.Port}/srv/x.git", new GitSshKeyAuth(servers.Ssh.ClientKey)));
    }

    [Fact]
    public async Task A_repository_path_that_does_not_exist_is_unreachable()
    {
        var missing = Path.Combine(servers.Root, "no-such-repo.git");
        await AssertUnreachableQuickly(Remote(missing));
        await AssertUnreachableQuickly(Remote("file://" + missing));
        await AssertUnreachableQuickly(Remote(servers.Ssh.UrlFor(missing), new GitSshKeyAuth(servers.Ssh.ClientKey)));
        await AssertUnreachableQuickly(Remote(servers.Http.UrlFor("no-such-repo.git"), new GitHttpAuth(GitServerFixture.HttpUser, GitServerFixture.HttpPassword)));
    }
}
