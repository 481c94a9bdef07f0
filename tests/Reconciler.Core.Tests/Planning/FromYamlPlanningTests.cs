using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Desired;
using Reconciler.Core.Planning;
using Reconciler.Core.Tests.Compose.Loading;
using static Reconciler.Core.Tests.Planning.Given;

namespace Reconciler.Core.Tests.Planning;

/// <summary>
/// Replica counts and update orders as a compose file writes them, through loader → builder →
/// planner: each problem is reported where compose reports it (the loader, with file, line and key
/// path), or else by the planner — never quietly corrected in between.
/// </summary>
public class FromYamlPlanningTests
{
    /// <summary>The loader's errors, one per line, when the file does not load; else the plan against a host running it.</summary>
    private static string Through(string compose)
    {
        var loaded = InMemoryFiles.Load(compose);
        if (!loaded.Success) return string.Join("\n", loaded.Errors);
        var desired = DesiredStateBuilder.Build(loaded.Project!, new InMemoryFiles([]));
        return Plan(desired, Deployed(desired)).ToString();
    }

    private static DesiredService Built(string compose)
    {
        var loaded = InMemoryFiles.Load(compose);
        Assert.True(loaded.Success, string.Join("\n", loaded.Diagnostics));
        return DesiredStateBuilder.Build(loaded.Project!, new InMemoryFiles([])).Services["web"];
    }

    [Fact]
    public void A_negative_replica_count_is_refused_with_file_line_and_key_path()
    {
        Assert.Equal(
            "/p/compose.yaml:6:17: services.web.deploy.replicas: must be greater than or equal to 0",
            Through("services:\n  web:\n    image: x\n    deploy:\n      mode: replicated\n      replicas: -1\n"));
    }

    [Fact]
    public void A_negative_scale_is_refused_with_file_line_and_key_path()
    {
        Assert.Equal(
            "/p/compose.yaml:4:12: services.web.scale: must be greater than or equal to 0",
            Through("services:\n  web:\n    image: x\n    scale: -2\n"));
    }

    [Fact]
    public void Scale_and_replicas_that_disagree_are_refused_as_compose_refuses_them()
    {
        Assert.Equal(
            "/p/compose.yaml:4:12: services.web.scale: can't set distinct values on 'scale' and 'deploy.replicas': set the number of containers in one place",
            Through("services:\n  web:\n    image: x\n    scale: 2\n    deploy:\n      replicas: 3\n"));
    }

    [Fact]
    public void A_container_name_with_more_than_one_replica_is_refused_by_the_loader_as_compose_refuses_it()
    {
        Assert.Equal(
            "/p/compose.yaml:6:17: services.web.deploy.replicas: can't set container_name and deploy.replicas as container name must be unique: drop container_name \"edge\" to run 3 containers, or ask for one",
            Through("services:\n  web:\n    image: x\n    container_name: edge\n    deploy:\n      replicas: 3\n"));
    }

    [Fact]
    public void A_count_past_32_bits_is_refused_rather_than_wrapped_around()
    {
        Assert.Equal(
            "/p/compose.yaml:4:12: services.web.scale: 99999999999 containers is more than one host can run: at most 2147483647",
            Through("services:\n  web:\n    image: x\n    scale: 99999999999\n"));
    }

    [Fact]
    public void An_update_config_order_compose_does_not_know_is_refused_with_its_key_path()
    {
        Assert.Equal(
            "/p/compose.yaml:7:16: services.web.deploy.update_config.order: unknown order \"sideways\": use start-first or stop-first\n"
            + "/p/compose.yaml:9:16: services.web.deploy.rollback_config.order: unknown order \"upside-down\": use start-first or stop-first",
            Through("services:\n  web:\n    image: x\n    deploy:\n      replicas: 2\n      update_config:\n        order: sideways\n      rollback_config:\n        order: upside-down\n"));
    }

    [Fact]
    public void An_update_order_the_planner_does_not_know_reaches_the_plan_as_a_warning()
    {
        Assert.Equal("""
            p: in sync, 1 warning
              ! web  warning  x-reconciler.update_order  update_order "sideways" unknown (stop-first or start-first); using stop-first
            """.ReplaceLineEndings("\n"),
            Through("services:\n  web:\n    image: x\n    x-reconciler:\n      update_order: sideways\n"));
    }

    [Fact]
    public void The_counts_and_orders_compose_accepts_reach_the_desired_state_as_written()
    {
        Assert.Equal(0, Built("services:\n  web:\n    image: x\n    deploy:\n      replicas: 0\n").Replicas);
        Assert.Equal(3, Built("services:\n  web:\n    image: x\n    scale: 3\n    deploy:\n      replicas: 3\n").Replicas);
        Assert.Equal(1, Built("services:\n  web:\n    image: x\n    container_name: edge\n    scale: 1\n").Replicas);
        Assert.Equal("start-first", Built("services:\n  web:\n    image: x\n    x-reconciler:\n      update_order: start-first\n").UpdateOrder);
        Assert.Equal("stop-first", Built("services:\n  web:\n    image: x\n").UpdateOrder);
        Assert.Equal("blue-green", Built("services:\n  web:\n    image: x\n    x-reconciler:\n      update_order: blue-green\n").UpdateOrder);
    }
}
