using Reconciler.Core.Building;

namespace Reconciler.Core.Tests.Building;

/// <summary><c>.dockerignore</c> matched as the docker CLI matches it (moby's patternmatcher).</summary>
public class DockerIgnoreTests
{
    public static TheoryData<string, string, bool> Cases => new()
    {
        // patterns, path, excluded
        { "*.log", "app.log", true },
        { "*.log", "logs/app.log", false },
        { "**/*.log", "logs/deep/app.log", true },
        { "**/*.log", "app.log", true },
        { "node_modules", "node_modules/a/b.js", true },
        { "/build/", "build/out.o", true },
        { "./tmp", "tmp", true },
        { "docs/**", "docs/a/b.md", true },
        { "docs/**", "docs2/a.md", false },
        { "a?c", "abc", true },
        { "a?c", "a/c", false },
        { "[ab].txt", "b.txt", true },
        { "[!ab].txt", "b.txt", false },
        { "[!ab].txt", "c.txt", true },
        { "# a comment\n\n*.md\n!README.md", "README.md", false },
        { "*.md\n!README.md", "CHANGES.md", true },
        { "*.md\n!README.md\nREADME.md", "README.md", true },
        { "secret\\ file", "secret file", true },
        { "dir\n!dir/keep", "dir/keep", false },
        { "dir\n!dir/keep", "dir/other", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Patterns_match_as_the_docker_cli_matches_them(string patterns, string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnore.Parse(patterns).Excludes(path));

    [Fact]
    public void An_empty_file_excludes_nothing()
    {
        var ignore = DockerIgnore.Parse("\n# only a comment\n");

        Assert.True(ignore.IsEmpty);
        Assert.False(ignore.Excludes("anything"));
    }

    [Fact]
    public void Exceptions_are_known_so_an_excluded_folder_is_still_walked()
    {
        Assert.False(DockerIgnore.Parse("dir").HasExceptions);
        Assert.True(DockerIgnore.Parse("dir\n!dir/keep").HasExceptions);
    }
}
