using System.Collections.Immutable;
using Reconciler.Configuration;
using Reconciler.Fleet;

namespace Reconciler.Tests.Fleet;

/// <summary>Which stacks start, stop and restart when the host file changes.</summary>
public sealed class StackSetChangeTests
{
    private static StackConfig Stack(string name, string commit = "c1") =>
        new() { Name = name, Repo = "infra", Path = $"stacks/{name}", Origin = new StackOrigin("hosts/a.yaml", "infra", commit) };

    [Fact]
    public void Stacks_are_added_removed_and_kept_by_name()
    {
        var change = StackSetChange.Of([Stack("web"), Stack("db")], [Stack("web", "c2"), Stack("cache", "c2")]);

        Assert.Equal(["cache"], change.Added.Select(s => s.Name));
        Assert.Equal(["db"], change.Removed.Select(s => s.Name));
        Assert.Empty(change.Changed);
        var kept = Assert.Single(change.Kept);
        Assert.Equal("c2", kept.Origin!.Commit);
    }

    [Fact]
    public void A_new_commit_of_the_same_file_restarts_nothing()
    {
        var change = StackSetChange.Of([Stack("web")], [Stack("web", "c2")]);

        Assert.True(change.IsEmpty);
    }

    public static TheoryData<string, Func<StackConfig, StackConfig>> Changes => new()
    {
        { "path", s => s with { Path = "stacks/other" } },
        { "project", s => s with { Project = "web-2" } },
        { "env_files", s => s with { EnvFiles = ["hosts/a.env"] } },
        { "files", s => s with { Files = ["compose.yaml", "compose.a.yaml"] } },
        { "profiles", s => s with { Profiles = ["edge"] } },
        { "variables", s => s with { Variables = ImmutableDictionary<string, string>.Empty.Add("DOMAIN", "a.example.test") } },
        { "suspend", s => s with { Suspend = true } },
        { "drift_interval", s => s with { DriftInterval = TimeSpan.FromMinutes(5) } },
        { "repo", s => s with { Repo = "apps" } },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_changed_option_restarts_the_stack(string what, Func<StackConfig, StackConfig> change)
    {
        var set = StackSetChange.Of([Stack("web")], [change(Stack("web", "c2"))]);

        Assert.True(Assert.Single(set.Changed).New.Name == "web", what);
        Assert.Empty(set.Added);
        Assert.Empty(set.Removed);
    }

    [Fact]
    public void Equal_collections_built_apart_are_the_same_definition()
    {
        var a = Stack("web") with { Files = ["a.yaml"], Variables = ImmutableDictionary<string, string>.Empty.Add("X", "1") };
        var b = Stack("web") with { Files = ["a.yaml"], Variables = ImmutableDictionary<string, string>.Empty.Add("X", "1") };

        Assert.True(StackSetChange.SameDefinition(a, b));
    }
}
