using Reconciler.Core.Swarm;

namespace Reconciler.Core.Tests.Swarm;

public class SwarmTaskRestartsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    internal static ObservedSwarmTask Task(string id, string slot, string state, int second, string spec = "v1", string desired = "shutdown") =>
        new(id, slot, state, desired, T0.AddSeconds(second), spec);

    internal static ObservedSwarmTask Running(string id, string slot, int second, string spec = "v1") => Task(id, slot, "running", second, spec, "running");

    private static string[] Restarted(params ObservedSwarmTask[] tasks) => [.. SwarmTaskRestarts.Restarted(tasks).Select(t => t.Id).Order(StringComparer.Ordinal)];

    [Fact]
    public void A_failed_task_replaced_in_its_slot_by_the_same_spec_is_a_restart()
    {
        Assert.Equal(["a", "b"], Restarted(Task("a", "1", "failed", 0), Task("b", "1", "failed", 5), Running("c", "1", 10)));
    }

    [Fact]
    public void Rejected_and_complete_tasks_count_too()
    {
        Assert.Equal(["a", "b"], Restarted(Task("a", "1", "rejected", 0), Running("x", "1", 5), Task("b", "2", "complete", 0), Running("y", "2", 5)));
    }

    [Fact]
    public void A_failed_task_nobody_replaced_is_not_a_restart()
    {
        // restart_policy max_attempts used up: the last failure stays the newest task of its slot.
        Assert.Empty(Restarted(Task("a", "1", "failed", 0)));
        Assert.Equal(["a"], Restarted(Task("a", "1", "failed", 0), Task("b", "1", "failed", 5)));
    }

    [Fact]
    public void Tasks_swarm_shut_down_on_purpose_are_not_restarts()
    {
        // A rolling update, a drained node, a scale-down: state shutdown, whatever replaces it.
        Assert.Empty(Restarted(Task("a", "1", "shutdown", 0), Running("b", "1", 5), Task("c", "2", "shutdown", 0, spec: "v1"), Running("d", "2", 5, spec: "v2")));
    }

    [Fact]
    public void A_task_of_an_old_spec_replaced_by_an_update_is_not_a_restart()
    {
        Assert.Empty(Restarted(Task("a", "1", "failed", 0, spec: "v1"), Running("b", "1", 5, spec: "v2")));
    }

    [Fact]
    public void A_replacement_in_another_slot_does_not_make_a_restart()
    {
        Assert.Empty(Restarted(Task("a", "1", "failed", 0), Running("b", "2", 5)));
    }

    [Fact]
    public void A_global_service_uses_the_node_as_the_slot()
    {
        Assert.Equal(["a"], Restarted(Task("a", "node-1", "failed", 0), Running("b", "node-1", 5), Running("c", "node-2", 0)));
    }
}
