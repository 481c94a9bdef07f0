using System.Collections.Immutable;
using Reconciler.Core.Swarm;
using static Reconciler.Core.Tests.Swarm.SwarmTaskRestartsTests;

namespace Reconciler.Core.Tests.Swarm;

public class SwarmRestartTallyTests
{
    private static SwarmServiceTasks Service(string name, params ObservedSwarmTask[] tasks) => new(name, 1, [.. tasks]);

    [Fact]
    public void Looking_at_the_same_history_twice_counts_it_once()
    {
        var history = Service("s_crash", Task("a", "1", "failed", 0), Running("b", "1", 5));

        var (first, added) = SwarmRestartTally.Empty.Observe([history]);
        var (second, again) = first.Observe([history]);

        Assert.Equal(1, added["s_crash"]);
        Assert.Empty(again);
        Assert.Equal(1, second.Totals["s_crash"]);
        Assert.True(second.SameAs(first));
    }

    [Fact]
    public void New_restarts_add_to_the_total_and_ids_gone_from_the_history_are_forgotten()
    {
        var (first, _) = SwarmRestartTally.Empty.Observe([Service("s_crash", Task("a", "1", "failed", 0), Task("b", "1", "failed", 5), Running("c", "1", 10))]);
        // The engine dropped a from its history; c failed and d replaced it.
        var (second, added) = first.Observe([Service("s_crash", Task("b", "1", "failed", 5), Task("c", "1", "failed", 10), Running("d", "1", 15))]);

        Assert.Equal(1, added["s_crash"]);
        Assert.Equal(3, second.Totals["s_crash"]);
        Assert.Equal(["b", "c"], second.Counted.ToArray());
    }

    [Fact]
    public void A_running_task_counts_only_once_it_failed_and_was_replaced()
    {
        var (first, added) = SwarmRestartTally.Empty.Observe([Service("s_web", Running("a", "1", 0)), Service("s_crash", Running("b", "1", 0))]);
        Assert.Empty(added);
        Assert.Empty(first.Totals);

        var (_, later) = first.Observe([Service("s_web", Running("a", "1", 0)), Service("s_crash", Task("b", "1", "failed", 0), Running("c", "1", 3))]);
        Assert.Equal(ImmutableSortedDictionary<string, long>.Empty.Add("s_crash", 1), later);
    }

    [Fact]
    public void Totals_of_a_service_that_left_are_kept()
    {
        var (first, _) = SwarmRestartTally.Empty.Observe([Service("s_crash", Task("a", "1", "failed", 0), Running("b", "1", 5))]);
        var (second, _) = first.Observe([]);

        Assert.Equal(1, second.Totals["s_crash"]);
        Assert.Empty(second.Counted);
        Assert.False(second.SameAs(first));
    }
}
