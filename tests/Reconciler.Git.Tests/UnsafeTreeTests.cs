using Reconciler.Git.Tests.Infrastructure;
using Reconciler.TestSupport;

namespace Reconciler.Git.Tests;

/// <summary>
/// Commits crafted to escape the export directory. Safe even against a broken exporter: the export
/// is one level below a directory the test owns, and every crafted entry climbs at most one level.
/// </summary>
[Collection(GitServersCollection.Name)]
public sealed class UnsafeTreeTests(GitServerFixture servers)
{
    // An empty name is refused too, but git cannot even push a tree holding one.
    public static TheoryData<string> RefusedNames => ["..", ".", ".git", ".GIT", ".Git", "../x", "a/b"];

    [Theory]
    [MemberData(nameof(RefusedNames))]
    public async Task A_tree_entry_that_could_escape_is_refused_and_nothing_is_written(string name)
    {
        var (origin, mirror, owned, target) = await SetupWithGoodExport();
        var bad = origin.CommitCraftedTree("hostile", [
            CraftedEntry.File("compose.yaml", "bad\n"),
            CraftedEntry.Directory(name, CraftedEntry.File("pwned", "pwned\n")),
        ]);
        await mirror.FetchAsync();

        var e = await Assert.ThrowsAsync<GitUnsafeTreeException>(() => mirror.MaterializeAsync(bad, "", target));

        Assert.Contains("refused", e.Message);
        Assert.Contains(name.Contains('/') ? "'/'" : $"'{name}'", e.Message);
        AssertUntouched(owned, target);
    }

    [Fact]
    public async Task A_dot_dot_entry_deep_in_the_tree_is_refused_naming_its_path()
    {
        var (origin, mirror, owned, target) = await SetupWithGoodExport();
        var bad = origin.CommitCraftedTree("hostile", [
            CraftedEntry.File("compose.yaml", "bad\n"),
            CraftedEntry.Directory("conf", CraftedEntry.Directory("..", CraftedEntry.File("pwned", "pwned\n"))),
        ]);
        await mirror.FetchAsync();

        var e = await Assert.ThrowsAsync<GitUnsafeTreeException>(() => mirror.MaterializeAsync(bad, "", target));

        Assert.Equal("conf/..", e.EntryPath);
        Assert.StartsWith("conf holds an entry with the name '..'", e.Reason);
        AssertUntouched(owned, target);
    }

    [Fact]
    public async Task A_good_commit_after_a_refused_one_exports()
    {
        var (origin, mirror, owned, target) = await SetupWithGoodExport();
        origin.CommitCraftedTree("hostile", [CraftedEntry.Directory("..", CraftedEntry.File("pwned", "x\n"))]);
        var good = origin.Commit("fixed", new Dictionary<string, string?> { ["compose.yaml"] = "fixed\n" });
        await mirror.FetchAsync();

        await mirror.MaterializeAsync(good, "", target);

        Assert.Equal("fixed\n", File.ReadAllText(Path.Combine(target, "compose.yaml")));
        Assert.True(File.Exists(Path.Combine(owned, "sentinel")));
        Assert.False(File.Exists(Path.Combine(owned, "pwned")));
    }

    [Fact]
    public async Task A_git_bomb_is_refused_before_anything_is_written()
    {
        var (origin, mirror, owned, target) = await SetupWithGoodExport();
        // 20 entries per level, all the same subtree, 5 levels: 3.2 million files from a few objects.
        var level = origin.HashTree([("100644", "f", origin.HashBlob("x\n"))]);
        for (var i = 0; i < 5; i++)
            level = origin.HashTree([.. Enumerable.Range(0, 20).Select(n => ("40000", $"d{n:00}", level))]);
        var bomb = origin.CommitTreeObject("bomb", level);
        await mirror.FetchAsync();

        var e = await Assert.ThrowsAsync<GitUnsafeTreeException>(() => mirror.MaterializeAsync(bomb, "", target));

        Assert.Contains("more than 200,000 entries", e.Message);
        AssertUntouched(owned, target);
    }

    [Fact]
    public async Task A_tree_nested_deeper_than_the_export_allows_is_refused()
    {
        var (origin, mirror, owned, target) = await SetupWithGoodExport();
        var level = origin.HashTree([("100644", "f", origin.HashBlob("x\n"))]);
        for (var i = 0; i < 200; i++) level = origin.HashTree([("40000", "d", level)]);
        var deep = origin.CommitTreeObject("deep", level);
        await mirror.FetchAsync();

        var e = await Assert.ThrowsAsync<GitUnsafeTreeException>(() => mirror.MaterializeAsync(deep, "", target));

        Assert.Contains("nested more than 128 directories deep", e.Message);
        AssertUntouched(owned, target);
    }

    private async Task<(OriginRepository Origin, GitRepositoryMirror Mirror, string Owned, string Target)> SetupWithGoodExport()
    {
        var origin = servers.NewOrigin();
        var mirror = new GitRepositoryMirror(servers.RemoteFor(Transport.FileUrl, origin), servers.NewDirectory());
        var owned = servers.NewDirectory("owned");
        File.WriteAllText(Path.Combine(owned, "sentinel"), "keep\n");
        var target = Path.Combine(owned, "tree");
        var good = origin.Commit("good", new Dictionary<string, string?> { ["compose.yaml"] = "good\n" });
        await mirror.FetchAsync();
        await mirror.MaterializeAsync(good, "", target);
        return (origin, mirror, owned, target);
    }

    private static void AssertUntouched(string owned, string target)
    {
        Assert.Equal("good\n", File.ReadAllText(Path.Combine(target, "compose.yaml")));
        Assert.Equal([Path.Combine(target, "compose.yaml")], Directory.EnumerateFileSystemEntries(target));
        Assert.Equal("keep\n", File.ReadAllText(Path.Combine(owned, "sentinel")));
        Assert.Equal(["sentinel", "tree", "tree.commit"], Directory.EnumerateFileSystemEntries(owned).Select(Path.GetFileName).Order());
    }
}

public sealed class CommitTextTests
{
    [Fact]
    public void Control_characters_in_commit_text_cannot_forge_a_log_line()
    {
        Assert.Equal("deploy [31mred fake: line", GitCommitInfo.Printable("deploy\u001b[31mred\nfake: line"));
    }

    [Fact]
    public void A_huge_subject_is_cut()
    {
        var shown = GitCommitInfo.Printable(new string('s', 1_000_000));

        Assert.Equal(201, shown.Length);
        Assert.EndsWith("…", shown);
    }
}
