using System.Collections.Immutable;
using Reconciler.Core.Observed;
using Reconciler.Docker.Cache;

namespace Reconciler.Docker.Tests.Cache;

/// <summary>Selecting a project's observed state from the cached whole: the direct read's rules, from memory.</summary>
public sealed class EngineSnapshotTests
{
    private static ObservedContainer Container(string id, string name, string? project, string state = "running", string status = "Up 1 second") => new()
    {
        Id = id,
        Name = name,
        Image = "img",
        State = state,
        Status = status,
        Labels = project is null ? ImmutableSortedDictionary<string, string>.Empty
            : ImmutableSortedDictionary<string, string>.Empty.Add(ObservedStateReader.ProjectLabel, project),
    };

    private static ImmutableSortedDictionary<string, string> Labelled(string project) =>
        ImmutableSortedDictionary<string, string>.Empty.Add(ObservedStateReader.ProjectLabel, project);

    private static readonly EngineSnapshot Host = new()
    {
        Containers = new[]
        {
            Container("c2", "shop-web-1", "shop"),
            Container("c1", "shop-db-1", "shop", "exited", "Exited (1) 2 minutes ago"),
            Container("c3", "shop-cache-1", null),       // squatter: unlabelled, holds a wanted name
            Container("c4", "shop-cache-10", "other"),   // near miss
            Container("c5", "other-web-1", "other"),
        }.ToImmutableDictionary(c => c.Id, StringComparer.Ordinal),
        Networks = [new ObservedNetwork { Id = "n1", Name = "shop_default", Labels = Labelled("shop") }, new ObservedNetwork { Id = "n2", Name = "proxy" },
            new ObservedNetwork { Id = "n3", Name = "other_default", Labels = Labelled("other") }],
        Volumes = [new ObservedVolume { Name = "shop_data", Labels = Labelled("shop") }, new ObservedVolume { Name = "backups" }],
        LocalImages = ImmutableSortedDictionary<string, string>.Empty.Add("img:1", "sha256:1"),
    };

    [Fact]
    public void Selects_the_projects_containers_and_squatters_on_wanted_names_sorted_by_name()
    {
        var state = Host.Select("shop", ["shop-web-1", "shop-cache-1"], null);
        Assert.Equal(["shop-cache-1", "shop-db-1", "shop-web-1"], state.Containers.Select(c => c.Name));
        Assert.Equal(["shop_default"], state.Networks.Select(n => n.Name));
        Assert.Equal(["shop_data"], state.Volumes.Select(v => v.Name));
        Assert.Equal("sha256:1", state.LocalImages["img:1"]);
    }

    [Fact]
    public void Wanted_names_the_projects_own_containers_hold_add_nothing()
    {
        var state = Host.Select("shop", ["shop-web-1", "shop-db-1", " "], null);
        Assert.Equal(["c1", "c2"], state.Containers.Select(c => c.Id));
    }

    [Fact]
    public void External_networks_and_volumes_are_kept_by_wanted_name()
    {
        var state = Host.Select("shop", [], ["proxy", "backups"]);
        Assert.Equal(["proxy", "shop_default"], state.Networks.Select(n => n.Name));
        Assert.Equal(["backups", "shop_data"], state.Volumes.Select(v => v.Name));
    }

    [Fact]
    public void A_resync_reports_containers_gone_changed_and_unknown_but_not_those_in_flight_nor_an_aged_status()
    {
        var listed = Host with
        {
            Containers = Host.Containers
                .SetItem("c2", Host.Containers["c2"] with { Status = "Up 10 minutes" }) // ages without events: not a difference
                .SetItem("c1", Host.Containers["c1"] with { State = "running", Status = "Up 1 second" })
                .Remove("c5")
                .Add("c7", Container("c7", "new-1", "shop"))
                .Remove("c3"),
        };
        var lines = Host.DifferencesFrom(listed, new HashSet<string> { "c3" });
        Assert.Equal(3, lines.Count);
        Assert.Contains(lines, l => l.Contains("shop-db-1", StringComparison.Ordinal) && l.Contains("state exited, engine running", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("other-web-1", StringComparison.Ordinal) && l.Contains("gone", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("new-1", StringComparison.Ordinal) && l.Contains("not cached", StringComparison.Ordinal));
        Assert.Empty(Host.DifferencesFrom(Host, new HashSet<string>()));
    }

    [Fact]
    public void Only_container_actions_that_change_what_a_read_returns_mark_the_container()
    {
        Assert.All(["create", "start", "die", "stop", "destroy", "rename", "oom", "health_status: unhealthy"], a => Assert.True(EngineCache.ChangesContainer(a), a));
        Assert.All(["exec_create: sh", "exec_start: sh", "exec_die", "attach", "resize", "top", "archive-path"], a => Assert.False(EngineCache.ChangesContainer(a), a));
    }

    [Fact]
    public void An_event_line_is_read_with_its_kind_actor_attributes_and_time()
    {
        var e = EngineEventStream.Parse("""
            {"status":"die","id":"abc","from":"img","Type":"container","Action":"die","Actor":{"ID":"abc","Attributes":{"exitCode":"137","name":"shop-web-1","com.docker.compose.project":"shop"}},"scope":"local","time":1700000000,"timeNano":1700000000123456789}
            """.ReplaceLineEndings("").Trim());
        Assert.NotNull(e);
        Assert.Equal(("container", "die", "abc"), (e.Type, e.Action, e.ActorId));
        Assert.Equal("shop", e.Attributes[ObservedStateReader.ProjectLabel]);
        Assert.Equal(137, e.ToContainerEvent().ExitCode);
        Assert.Equal("shop-web-1", e.ToContainerEvent().Name);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1_234_567), e.Time);
        Assert.Null(EngineEventStream.Parse(""));
        Assert.Null(EngineEventStream.Parse("{not json"));
        Assert.Null(EngineEventStream.Parse("""{"Type":"container","Action":"die","Actor":{}}"""));
    }

    [Fact]
    public void The_same_question_of_the_same_snapshot_gets_the_same_answer_and_a_changed_copy_answers_anew()
    {
        var first = Host.Select("shop", ["shop-web-1"], ["proxy"]);
        Assert.Same(first, Host.Select("shop", ["shop-web-1"], ["proxy"]));
        Assert.NotSame(first, Host.Select("shop", ["shop-web-1"], null));

        // `with` copies the memo along with the record: the copy must not answer from it.
        var stopped = Host with { Containers = Host.Containers.SetItem("c2", Container("c2", "shop-web-1", "shop", "exited", "Exited (0)")) };
        Assert.Equal("exited", stopped.Select("shop", ["shop-web-1"], ["proxy"]).Containers.Single(c => c.Id == "c2").State);
        var renamed = Host with { Networks = [new ObservedNetwork { Id = "n9", Name = "proxy" }] };
        Assert.Equal(["n9"], renamed.Select("shop", ["shop-web-1"], ["proxy"]).Networks.Select(n => n.Id));
        Assert.Equal("running", Host.Select("shop", ["shop-web-1"], ["proxy"]).Containers.Single(c => c.Id == "c2").State);
    }
}
