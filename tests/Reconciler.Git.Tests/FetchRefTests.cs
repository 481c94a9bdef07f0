using Reconciler.Git.Tests.Infrastructure;

namespace Reconciler.Git.Tests;

/// <summary><see cref="GitRepositoryMirror.FetchRefAsync"/>: any branch, tag, pull request ref or sha, over every transport.</summary>
[Collection(GitServersCollection.Name)]
public sealed class FetchRefTests(GitServerFixture servers)
{
    public static TheoryData<Transport> Transports => [Transport.FileUrl, Transport.PlainPath, Transport.Ssh, Transport.Http];

    private static Dictionary<string, string?> Files(string content) => new() { ["compose.yaml"] = content };

    private (OriginRepository Origin, GitRepositoryMirror Mirror) Setup(Transport transport)
    {
        var origin = servers.NewOrigin();
        return (origin, new GitRepositoryMirror(servers.RemoteFor(transport, origin), servers.NewDirectory(), GitServerFixture.Patient));
    }

    /// <summary>main: base; a pull request ref one commit ahead; a branch "feature" two ahead; an annotated tag on base.</summary>
    private static (string Base, string Pr, string Feature, string Inner) Push(OriginRepository origin)
    {
        var first = origin.Commit("base", Files("services: {}\n"));
        OriginRepository.Git(origin.WorkPath, "tag", "-a", "v1", "-m", "release v1");
        OriginRepository.Git(origin.WorkPath, "push", "--quiet", "origin", "refs/tags/v1");
        var pr = origin.Commit("pr", Files("services: {pr: {image: x}}\n"), push: false);
        OriginRepository.Git(origin.WorkPath, "push", "--quiet", "origin", "HEAD:refs/pull/7/head");
        var inner = origin.Commit("feature 1", Files("services: {f: {image: x}}\n"), push: false);
        var feature = origin.Commit("feature 2", Files("services: {f: {image: y}}\n"), push: false);
        OriginRepository.Git(origin.WorkPath, "push", "--quiet", "origin", "HEAD:refs/heads/feature");
        return (first, pr, feature, inner);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_pull_request_ref_a_branch_and_a_tag_are_fetched_by_name(Transport transport)
    {
        var (origin, mirror) = Setup(transport);
        var (first, pr, feature, _) = Push(origin);

        var byRef = await mirror.FetchRefAsync("refs/pull/7/head");
        var byShortRef = await mirror.FetchRefAsync("pull/7/head");
        var branch = await mirror.FetchRefAsync("feature");
        var tag = await mirror.FetchRefAsync("v1");

        Assert.Equal(("refs/pull/7/head", pr, "pr"), (byRef.Reference, byRef.Sha, byRef.Commit.Subject));
        Assert.Equal(("refs/pull/7/head", pr), (byShortRef.Reference, byShortRef.Sha));
        Assert.Equal(("refs/heads/feature", feature), (branch.Reference, branch.Sha));
        Assert.Equal(("refs/tags/v1", first), (tag.Reference, tag.Sha)); // the annotated tag peeled to its commit
        Assert.Null(mirror.GetLocalHead()); // the followed branch's ref is not touched
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_sha_inside_a_branch_and_an_abbreviated_head_sha_are_found(Transport transport)
    {
        var (origin, mirror) = Setup(transport);
        var (_, pr, _, inner) = Push(origin);

        var innerCommit = await mirror.FetchRefAsync(inner);
        var prByShortSha = await mirror.FetchRefAsync(pr[..10]);

        Assert.Equal((inner, inner, "feature 1"), (innerCommit.Reference, innerCommit.Sha, innerCommit.Commit.Subject));
        Assert.Equal(pr, prByShortSha.Sha);
    }

    [Theory]
    [InlineData("no-such-branch")]
    [InlineData("refs/pull/8/head")]
    [InlineData("0123456789abcdef0123456789abcdef01234567")]
    [InlineData("feature:refs/heads/main")]
    [InlineData("+refs/heads/*")]
    [InlineData("--upload-pack=touch")]
    public async Task An_unknown_or_malformed_ref_is_not_found_and_nothing_is_fetched_for_it(string reference)
    {
        var (origin, mirror) = Setup(Transport.FileUrl);
        Push(origin);

        var e = await Assert.ThrowsAsync<GitRefNotFoundException>(() => mirror.FetchRefAsync(reference));

        Assert.Equal(reference, e.Reference);
        Assert.Contains($"no branch, tag, ref or commit named '{reference}'", e.Message, StringComparison.Ordinal);
    }
}
