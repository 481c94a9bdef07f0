using System.Text.Json;
using Reconciler.Core.Swarm;
using static Reconciler.Core.Tests.Swarm.SwarmPlannerTests;

namespace Reconciler.Core.Tests.Swarm;

public class SwarmPlanJsonTests
{
    [Fact]
    public void A_new_stack_lists_its_actions_tagged_like_a_host_plan()
    {
        using var doc = JsonDocument.Parse(SwarmPlanner.Plan(SwarmPlannerTests.Desired(), Empty, prune: false).ToJson());
        var root = doc.RootElement;

        Assert.Equal("s", root.GetProperty("project").GetString());
        Assert.Equal("swarm", root.GetProperty("engine").GetString());
        var actions = root.GetProperty("actions").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], actions.Select(a => a.GetProperty("id").GetInt32()));
        Assert.Equal(["create-network", "create-secret", "create-service"], actions.Select(a => a.GetProperty("action").GetString()));
        Assert.Equal("s_default", actions[0].GetProperty("target").GetString());
        Assert.StartsWith("s_pw-", actions[1].GetProperty("target").GetString(), StringComparison.Ordinal);
        Assert.Equal("s_web", actions[2].GetProperty("service").GetString());
        Assert.Equal("missing", actions[2].GetProperty("reason").GetString());
        Assert.Empty(root.GetProperty("problems").EnumerateArray());
    }

    [Fact]
    public void An_update_carries_each_changed_field_with_its_values()
    {
        var deployed = After(SwarmPlanner.Plan(SwarmPlannerTests.Desired(), Empty, prune: false), Empty);
        var plan = SwarmPlanner.Plan(SwarmPlannerTests.Desired(SwarmPlannerTests.Compose.Replace("replicas: 2", "replicas: 3", StringComparison.Ordinal)), deployed, prune: false);

        using var doc = JsonDocument.Parse(plan.ToJson());
        var update = Assert.Single(doc.RootElement.GetProperty("actions").EnumerateArray().ToList());

        Assert.Equal("update-service", update.GetProperty("action").GetString());
        Assert.Equal("spec changed", update.GetProperty("reason").GetString());
        var change = Assert.Single(update.GetProperty("changes").EnumerateArray().ToList());
        Assert.Equal("Mode.Replicated.Replicas", change.GetProperty("path").GetString());
        Assert.Equal("2", change.GetProperty("before").GetString());
        Assert.Equal("3", change.GetProperty("after").GetString());
    }

    [Fact]
    public void A_node_that_is_not_a_manager_is_an_error_problem_and_no_action()
    {
        using var doc = JsonDocument.Parse(SwarmPlanner.Plan(SwarmPlannerTests.Desired(), new ObservedSwarm { Role = SwarmRole.Worker }, prune: false).ToJson());

        Assert.Empty(doc.RootElement.GetProperty("actions").EnumerateArray());
        var problem = Assert.Single(doc.RootElement.GetProperty("problems").EnumerateArray().ToList());
        Assert.Equal("error", problem.GetProperty("severity").GetString());
        Assert.Contains("not a manager", problem.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void String_values_are_shown_as_their_text()
    {
        var deployed = After(SwarmPlanner.Plan(SwarmPlannerTests.Desired(), Empty, prune: false), Empty);
        var plan = SwarmPlanner.Plan(SwarmPlannerTests.Desired(SwarmPlannerTests.Compose.Replace("busybox:1", "busybox:2", StringComparison.Ordinal)), deployed, prune: false);

        using var doc = JsonDocument.Parse(plan.ToJson());
        var change = doc.RootElement.GetProperty("actions")[0].GetProperty("changes").EnumerateArray()
            .Single(c => c.GetProperty("path").GetString() == "TaskTemplate.ContainerSpec.Image");

        Assert.Equal("busybox:1", change.GetProperty("before").GetString());
        Assert.Equal("busybox:2", change.GetProperty("after").GetString());
    }

    [Theory]
    [InlineData("Labels.x: (absent) → \"1\"", "Labels.x", null, "\"1\"")]
    [InlineData("Mode.Replicated.Replicas: 2 → 3", "Mode.Replicated.Replicas", "2", "3")]
    [InlineData("TaskTemplate.ContainerSpec.Env[0]: \"A=1\" → (absent)", "TaskTemplate.ContainerSpec.Env[0]", "\"A=1\"", null)]
    public void A_difference_splits_back_into_path_and_values(string difference, string path, string? before, string? after)
    {
        Assert.Equal((path, before, after), SwarmSpecComparison.Split(difference));
    }
}
