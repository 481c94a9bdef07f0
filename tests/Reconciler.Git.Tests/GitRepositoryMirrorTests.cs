using System.Diagnostics;
using Reconciler.Git.Tests.Infrastructure;

namespace Reconciler.Git.Tests;

[Collection(GitServersCollection.Name)]
public sealed class GitRepositoryMirrorTests(GitServerFixture servers)
{
    public static TheoryData<Transport> Transports => [Transport.FileUrl, Transport.PlainPath, Transport.Ssh, Transport.Http];

    private static Dictionary<string, string?> Files(params (string Path, string? Content)[] files) =>
        files.ToDictionary(f => f.Path, f => f.Content);

    private (OriginRepository Origin, GitRepositoryMirror Mirror) Setup(Transport transport)
    {
        var origin = servers.NewOrigin();
        var mirror = new GitRepositoryMirror(servers.RemoteFor(transport, origin), servers.NewDirectory());
        return (origin, mirror);
    }

    private static long CountObjectFiles(GitRepositoryMirror mirror)
    {
        var objects = Path.Combine(mirror.MirrorPath, "objects");
        return Directory.Exists(objects) ? Directory.EnumerateFiles(objects, "*", SearchOption.AllDirectories).Count() : 0;
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Head_check_sees_a_new_push_without_fetching_it(Transport transport)
    {
        var (origin, mirror) = Setup(transport);
        var first = origin.Commit("first", Files(("compose.yaml", "services: {}\n")));
        await mirror.FetchAsync();
        var objectsBefore = CountObjectFiles(mirror);
        var requestsBefore = servers.Http.Requests.Count(r => r.StartsWith("POST", StringComparison.Ordinal));

        var second = origin.Commit("second", Files(("compose.yaml", "services: {a: {image: x}}\n")));
        var head = await mirror.GetRemoteHeadAsync();

        Assert.Equal(new RemoteHead("main", second), head);
        Assert.Equal(first, mirror.GetLocalHead());
        Assert.Equal(objectsBefore, CountObjectFiles(mirror));
        // Over http a fetch would POST to git-upload-pack; listing refs is a single GET.
        Assert.Equal(requestsBefore, servers.Http.Requests.Count(r => r.StartsWith("POST", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_fetch_given_the_head_just_checked_does_not_ask_the_remote_for_it_again()
    {
        var (origin, mirror) = Setup(Transport.Http);
        origin.Commit("first", Files(("compose.yaml", "services: {}\n")));
        await mirror.FetchAsync();
        var second = origin.Commit("second", Files(("compose.yaml", "services: {a: {image: x}}\n")));
        int Advertisements() => servers.Http.Requests.Count(r => r.StartsWith("GET", StringComparison.Ordinal) && r.Contains("info/refs", StringComparison.Ordinal));
        var before = Advertisements();

        var head = await mirror.GetRemoteHeadAsync();
        var perCheck = Advertisements() - before; // with the auth challenge, more than one request
        var fetched = await mirror.FetchAsync(head);

        Assert.Equal(second, fetched.Sha);
        // The head check, then the advertisement the fetch itself needs; not a second head check.
        Assert.True(perCheck > 0);
        Assert.Equal(before + 2 * perCheck, Advertisements());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Head_check_is_cheap_enough_to_run_every_second(Transport transport)
    {
        var (origin, mirror) = Setup(transport);
        var sha = origin.Commit("only", Files(("compose.yaml", "services: {}\n")));
        await mirror.GetRemoteHeadAsync(); // first ssh connection records the host key

        var timings = new List<TimeSpan>();
        for (var i = 0; i < 9; i++)
        {
            var watch = Stopwatch.StartNew();
            Assert.Equal(sha, (await mirror.GetRemoteHeadAsync()).Sha);
            timings.Add(watch.Elapsed);
        }

        // One connection and the ref advertisement, no fetch. Speed is measured by benchmarks, not
        // here: this bound only catches a check that hangs or transfers objects (a loaded CI box
        // has seen ssh medians of 1.4 s).
        var median = timings.Order().ElementAt(timings.Count / 2);
        Assert.True(median < TimeSpan.FromSeconds(10), $"head checks over {transport}: median {median}, all {string.Join(", ", timings)}");
        Assert.False(Directory.Exists(mirror.MirrorPath), "a head check must not create or fill the mirror");
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Fetch_brings_the_new_commit_with_its_author_date_and_subject(Transport transport)
    {
        var (origin, mirror) = Setup(transport);
        var first = origin.Commit("Add web service\n\nLonger body that is not the subject.", Files(("compose.yaml", "services: {}\n")));

        var initial = await mirror.FetchAsync();
        Assert.Equal(first, initial.Sha);
        Assert.Null(initial.PreviousSha);
        Assert.True(initial.Moved);
        Assert.Equal("Add web service", initial.Commit.Subject);
        Assert.Equal("Ada Tester", initial.Commit.AuthorName);
        Assert.Equal("ada@example.test", initial.Commit.AuthorEmail);
        Assert.InRange(initial.Commit.AuthorDate, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));

        var unchanged = await mirror.FetchAsync();
        Assert.False(unchanged.Moved);
        Assert.Equal(first, unchanged.Sha);

        var second = origin.Commit("Bump image", Files(("compose.yaml", "services: {web: {image: nginx}}\n")));
        var moved = await mirror.FetchAsync();
        Assert.True(moved.Moved);
        Assert.Equal(first, moved.PreviousSha);
        Assert.Equal(second, moved.Sha);
        Assert.Equal("Bump image", moved.Commit.Subject);
        using var files = mirror.OpenCommit(second, "/srv/app");
        Assert.Equal("services: {web: {image: nginx}}\n", files.ReadText("/srv/app/compose.yaml"));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_force_pushed_branch_is_followed(Transport transport)
    {
        var (origin, mirror) = Setup(transport);
        var a = origin.Commit("a", Files(("compose.yaml", "a\n")));
        var b = origin.Commit("b", Files(("compose.yaml", "b\n")));
        Assert.Equal(b, (await mirror.FetchAsync()).Sha);

        origin.ResetTo(a);
        var c = origin.Commit("c rewrites b", Files(("compose.yaml", "c\n")), push: false);
        origin.Push(force: true);

        Assert.Equal(c, (await mirror.GetRemoteHeadAsync()).Sha);
        var result = await mirror.FetchAsync();
        Assert.Equal(c, result.Sha);
        Assert.Equal(b, result.PreviousSha);
        Assert.True(result.Moved);
        using var files = mirror.OpenCommit(c, "/srv/app");
        Assert.Equal("c\n", files.ReadText("/srv/app/compose.yaml"));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_missing_branch_is_reported_as_such(Transport transport)
    {
        var origin = servers.NewOrigin();
        origin.Commit("on main", Files(("compose.yaml", "x\n")));
        var remote = servers.RemoteFor(transport, origin) with { Branch = "production" };
        var mirror = new GitRepositoryMirror(remote, servers.NewDirectory());

        var e = await Assert.ThrowsAsync<GitBranchNotFoundException>(() => mirror.GetRemoteHeadAsync());
        Assert.Equal("production", e.Branch);
        Assert.Contains("'app'", e.Message, StringComparison.Ordinal);
        Assert.Contains("production", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<GitBranchNotFoundException>(() => mirror.FetchAsync());
    }

    [Fact]
    public async Task A_mirror_is_reused_after_a_restart()
    {
        var origin = servers.NewOrigin();
        var state = servers.NewDirectory();
        var sha = origin.Commit("one", Files(("compose.yaml", "x\n")));
        var remote = servers.RemoteFor(Transport.FileUrl, origin);
        await new GitRepositoryMirror(remote, state).FetchAsync();
        var marker = Path.Combine(state, "repos", "app.git", "reconciler-test-marker");
        File.WriteAllText(marker, "still here");

        var restarted = new GitRepositoryMirror(remote, state);
        Assert.Equal(sha, restarted.GetLocalHead());
        var result = await restarted.FetchAsync();

        Assert.False(result.Moved);
        Assert.Equal(sha, result.PreviousSha);
        Assert.True(File.Exists(marker), "the mirror directory was re-created instead of reused");
    }

    [Theory]
    [InlineData(Transport.FileUrl)]
    [InlineData(Transport.Ssh)]
    public async Task A_corrupt_mirror_is_cloned_again(Transport transport)
    {
        var origin = servers.NewOrigin();
        var state = servers.NewDirectory();
        var remote = servers.RemoteFor(transport, origin);
        var first = origin.Commit("one", Files(("compose.yaml", "x\n")));
        await new GitRepositoryMirror(remote, state).FetchAsync();

        // Lose every object: the branch now points at a commit the mirror cannot read.
        var mirrorPath = Path.Combine(state, "repos", "app.git");
        Directory.Delete(Path.Combine(mirrorPath, "objects"), recursive: true);
        Directory.CreateDirectory(Path.Combine(mirrorPath, "objects"));
        var second = origin.Commit("two", Files(("compose.yaml", "y\n")));

        var restarted = new GitRepositoryMirror(remote, state);
        var result = await restarted.FetchAsync();

        Assert.Equal(second, result.Sha);
        Assert.Null(result.PreviousSha);
        using var files = restarted.OpenCommit(first, "/srv/app");
        Assert.Equal("x\n", files.ReadText("/srv/app/compose.yaml"));
    }

    [Fact]
    public async Task Garbage_in_the_mirror_directory_is_replaced_by_a_fresh_clone()
    {
        var origin = servers.NewOrigin();
        var state = servers.NewDirectory();
        var sha = origin.Commit("one", Files(("compose.yaml", "x\n")));
        var mirrorPath = Path.Combine(state, "repos", "app.git");
        Directory.CreateDirectory(mirrorPath);
        File.WriteAllText(Path.Combine(mirrorPath, "HEAD"), "not a ref");

        var result = await new GitRepositoryMirror(servers.RemoteFor(Transport.PlainPath, origin), state).FetchAsync();

        Assert.Equal(sha, result.Sha);
    }

    [Fact]
    public async Task Reading_a_commit_the_mirror_does_not_have_is_a_typed_error()
    {
        var origin = servers.NewOrigin();
        origin.Commit("one", Files(("compose.yaml", "x\n")));
        var mirror = new GitRepositoryMirror(servers.RemoteFor(Transport.FileUrl, origin), servers.NewDirectory());

        Assert.Throws<GitCommitNotFoundException>(() => mirror.OpenCommit(new string('a', 40), "/srv/app"));
        await mirror.FetchAsync();
        var e = Assert.Throws<GitCommitNotFoundException>(() => mirror.OpenCommit(new string('b', 40), "/srv/app"));
        Assert.Contains(new string('b', 40), e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => mirror.OpenCommit("HEAD", "/srv/app"));
    }

    [Fact]
    public async Task A_cancelled_fetch_throws_OperationCanceledException()
    {
        var origin = servers.NewOrigin();
        origin.Commit("one", Files(("compose.yaml", "x\n")));
        var mirror = new GitRepositoryMirror(servers.RemoteFor(Transport.Ssh, origin), servers.NewDirectory());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => mirror.FetchAsync(cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => mirror.GetRemoteHeadAsync(cancelled.Token));
    }
}
