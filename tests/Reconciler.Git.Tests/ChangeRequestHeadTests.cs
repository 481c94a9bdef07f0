using Reconciler.Git.Tests.Infrastructure;

namespace Reconciler.Git.Tests;

/// <summary>Pull and merge request heads fetched into the mirror for plan previews, and which stack folders a head changes.</summary>
[Collection(GitServersCollection.Name)]
public sealed class ChangeRequestHeadTests(GitServerFixture servers)
{
    public static TheoryData<Transport> Transports => [Transport.PlainPath, Transport.Ssh, Transport.Http];

    private static Dictionary<string, string?> Files(params (string Path, string? Content)[] files) =>
        files.ToDictionary(f => f.Path, f => f.Content);

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Request_heads_are_fetched_beside_the_branch_and_listed_by_number(Transport transport)
    {
        var origin = servers.NewOrigin();
        var mirror = new GitRepositoryMirror(servers.RemoteFor(transport, origin), servers.NewDirectory());
        var main = origin.Commit("main", Files(("shop/compose.yaml", "services: {}\n"), ("blog/compose.yaml", "services: {}\n")));
        await mirror.FetchAsync();
        var pr = origin.Commit("shop change", Files(("shop/compose.yaml", "services: {web: {image: x}}\n")), push: false);
        OriginRepository.Git(origin.WorkPath, "push", "--quiet", "origin", "HEAD:refs/pull/7/head", "HEAD:refs/pull/7/merge");
        OriginRepository.Git(origin.WorkPath, "push", "--quiet", "origin", $"{main}:refs/pull/12/head");

        var heads = await mirror.FetchChangeRequestHeadsAsync("refs/pull/");

        Assert.Equal([new ChangeRequestHead(7, pr), new ChangeRequestHead(12, main)], heads);
        Assert.Equal(main, mirror.GetLocalHead()); // the branch is not moved by a request
        Assert.True(mirror.Touches(main, pr, "shop"));
        Assert.False(mirror.Touches(main, pr, "blog"));
        Assert.True(mirror.Touches(main, pr, "."));
    }

    [Fact]
    public async Task A_request_based_on_an_older_branch_head_does_not_count_what_the_branch_changed_since()
    {
        var origin = servers.NewOrigin();
        var mirror = new GitRepositoryMirror(servers.RemoteFor(Transport.PlainPath, origin), servers.NewDirectory());
        var fork = origin.Commit("base", Files(("shop/compose.yaml", "services: {}\n"), ("blog/compose.yaml", "services: {}\n")));
        var pr = origin.Commit("blog change", Files(("blog/compose.yaml", "services: {b: {image: y}}\n")), push: false);
        OriginRepository.Git(origin.WorkPath, "push", "--quiet", "origin", "HEAD:refs/merge-requests/3/head");
        OriginRepository.Git(origin.WorkPath, "reset", "--quiet", "--hard", fork);
        var main = origin.Commit("shop moved on main", Files(("shop/compose.yaml", "services: {s: {image: z}}\n")));
        await mirror.FetchAsync();

        Assert.Equal([new ChangeRequestHead(3, pr)], await mirror.FetchChangeRequestHeadsAsync("refs/merge-requests/"));
        Assert.False(mirror.Touches(main, pr, "shop"));
        Assert.True(mirror.Touches(main, pr, "blog"));
    }

    [Fact]
    public async Task A_remote_without_request_refs_lists_none()
    {
        var origin = servers.NewOrigin();
        var mirror = new GitRepositoryMirror(servers.RemoteFor(Transport.Http, origin), servers.NewDirectory());
        origin.Commit("main", Files(("compose.yaml", "services: {}\n")));
        await mirror.FetchAsync();
        Assert.Empty(await mirror.FetchChangeRequestHeadsAsync("refs/pull/"));
    }
}
