using Reconciler.Core.Desired;
using Reconciler.Core.Planning;
using static Reconciler.Core.Tests.Planning.Given;

namespace Reconciler.Core.Tests.Planning;

/// <summary>How one existing container is judged: by config hash, image, state and ownership.</summary>
public class ContainerPlanningTests
{
    private static readonly DesiredProject Shop = Project("shop",
        Service("web", env: [("LOG_LEVEL", "info"), ("OLD", "1")]),
        Service("worker", image: "worker:1"));

    [Fact]
    public void Changing_nothing_plans_nothing()
    {
        var plan = Plan(Shop, Deployed(Shop));

        PlanAssert.Text("shop: in sync", plan);
        Assert.True(plan.IsEmpty);
        Assert.True(plan.IsInSync);
    }

    [Fact]
    public void Recreates_only_the_service_whose_image_changed()
    {
        var next = Project("shop",
            Service("web", image: "app:1.1", env: [("LOG_LEVEL", "info"), ("OLD", "1")]),
            Service("worker", image: "worker:1"));
        var observed = Deployed(Shop).WithImage("app:1.1", ImageId("app:1.1"));

        PlanAssert.Text("""
            shop: 1 to change
              ~ web  recreate  shop-web-1  config changed
                  image: app:1.0 → app:1.1
            """, Plan(next, observed));
    }

    [Fact]
    public void An_environment_change_lists_every_changed_variable()
    {
        var next = Project("shop",
            Service("web", env: [("LOG_LEVEL", "debug"), ("NEW", "x")]),
            Service("worker", image: "worker:1"));

        PlanAssert.Text("""
            shop: 1 to change
              ~ web  recreate  shop-web-1  config changed
                  environment.LOG_LEVEL: info → debug
                  environment.NEW: (unset) → x
                  environment.OLD: 1 → (unset)
            """, Plan(next, Deployed(Shop)));
    }

    [Fact]
    public void A_container_created_by_another_tool_is_recreated_by_hash_without_field_detail()
    {
        var next = Project("shop", Service("web", env: [("LOG_LEVEL", "debug")]), Service("worker", image: "worker:1"));
        var observed = Deployed(Shop)
            .Changing("shop-web-1", c => c.WithLabel(SpecLabel.Name, null))
            .Changing("shop-worker-1", c => c.WithLabel(SpecLabel.Name, null));

        PlanAssert.Text("""
            shop: 1 to change
              ~ web  recreate  shop-web-1  config changed (created by another tool; no field detail)
            """, Plan(next, observed));
    }

    [Fact]
    public void A_hash_change_that_no_listed_field_explains_says_so()
    {
        // e.g. a bind-mounted nginx.conf next to compose.yaml was edited
        var next = Project("shop",
            Service("web", env: [("LOG_LEVEL", "info"), ("OLD", "1")], hidden: "nginx.conf v2"),
            Service("worker", image: "worker:1"));

        PlanAssert.Text("""
            shop: 1 to change
              ~ web  recreate  shop-web-1  config changed (no listed field differs)
            """, Plan(next, Deployed(Shop)));
    }

    [Fact]
    public void A_stopped_container_is_started_not_recreated()
    {
        var observed = Deployed(Shop).Changing("shop-web-1", c => c with { State = "exited", Status = "Exited (137) 5 minutes ago", ExitCode = 137 });

        PlanAssert.Text("""
            shop: 1 to change
              + web  start  shop-web-1  container stopped
            """, Plan(Shop, observed));
    }

    [Fact]
    public void A_container_created_but_never_started_is_started()
    {
        var observed = Deployed(Shop).Changing("shop-worker-1", c => c with { State = "created", Status = "Created" });

        PlanAssert.Text("""
            shop: 1 to change
              + worker  start  shop-worker-1  container never started
            """, Plan(Shop, observed));
    }

    [Fact]
    public void A_restarting_container_is_left_to_its_restart_policy()
    {
        var observed = Deployed(Shop).Changing("shop-web-1", c => c with { State = "restarting" });

        var plan = Plan(Shop, observed);

        PlanAssert.Text("""
            shop: in sync, 1 warning
              ! web  warning  shop-web-1  container restarting; left to its restart policy
            """, plan);
        Assert.True(plan.IsInSync);
    }

    [Fact]
    public void A_paused_container_is_reported_and_left_paused()
    {
        var observed = Deployed(Shop).Changing("shop-web-1", c => c with { State = "paused" });

        PlanAssert.Text("""
            shop: in sync, 1 warning
              ! web  warning  shop-web-1  container paused; left paused (docker unpause to resume)
            """, Plan(Shop, observed));
    }

    [Fact]
    public void A_dead_container_is_recreated()
    {
        var observed = Deployed(Shop).Changing("shop-web-1", c => c with { State = "dead" });

        PlanAssert.Text("""
            shop: 1 to change
              ~ web  recreate  shop-web-1  container dead
            """, Plan(Shop, observed));
    }

    [Fact]
    public void A_removed_container_is_created_again()
    {
        PlanAssert.Text("""
            shop: 1 to change
              + web  create  shop-web-1  container missing
            """, Plan(Shop, Deployed(Shop).Without("shop-web-1")));
    }

    [Fact]
    public void A_tag_that_now_points_at_another_image_recreates_with_reason_image_changed()
    {
        // compose does the same: same config, but app:1.0 was pulled again and moved.
        var observed = Deployed(Shop)
            .Changing("shop-web-1", c => c with { ImageId = "sha256:" + new string('1', 64) })
            .WithImage("app:1.0", "sha256:" + new string('2', 64));

        PlanAssert.Text("""
            shop: 1 to change
              ~ web  recreate  shop-web-1  image changed
                  image id: 111111111111 → 222222222222
            """, Plan(Shop, observed));
    }

    [Fact]
    public void Never_removes_a_container_without_the_project_label()
    {
        var observed = Deployed(Shop)
            .Without("shop-web-1")
            .With(Stranger("shop-web-1"), Stranger("shop-cache-1", state: "exited"));

        var plan = Plan(Shop, observed);

        PlanAssert.Text("""
            shop: nothing to change, 1 error
              ! web  error  shop-web-1  container not managed by this project; remove or rename it
            """, plan);
        Assert.True(plan.IsBlocked);
        Assert.DoesNotContain(plan.Actions.OfType<ContainerAction>(), a => a.ContainerName.StartsWith("shop-web", StringComparison.Ordinal));
    }

    [Fact]
    public void Containers_of_another_project_are_never_touched()
    {
        var blog = Project("blog", Service("web"), Service("old"));
        var observed = Deployed(Shop).With([.. Deployed(blog).Containers]);

        PlanAssert.Text("shop: in sync", Plan(Shop, observed));
    }

    [Fact]
    public void One_off_containers_from_compose_run_are_ignored()
    {
        var runLeftover = ContainerOf(Shop, "web", 1) with { Name = "shop-web-run-3f2a1b", Id = Id("run"), State = "exited" };
        var migrateRun = ContainerOf(Shop, "web", 1) with { Name = "shop-migrate-run-77aa01", Id = Id("migrate"), State = "exited" };
        var observed = Deployed(Shop).With(
            runLeftover.WithLabel(ComposeLabels.Oneoff, "True").WithLabel(ComposeLabels.ConfigHash, "stale"),
            migrateRun.WithLabel(ComposeLabels.Oneoff, "True").WithLabel(ComposeLabels.Service, "migrate"));

        PlanAssert.Text("shop: in sync", Plan(Shop, observed));
    }

    [Fact]
    public void Orphans_are_removed_only_when_asked()
    {
        var before = Project("shop", Service("web"), Service("mailer", image: "mailer:3"));
        var after = Project("shop", Service("web"));
        var observed = Deployed(before);

        PlanAssert.Text("""
            shop: in sync, 1 warning
              ! mailer  warning  shop-mailer-1  service removed from project; kept (orphan removal is off)
            """, Plan(after, observed));

        var plan = Plan(after, observed, new PlanOptions { Now = Now, RemoveOrphans = true });
        PlanAssert.Text("""
            shop: 2 to change
              - mailer  stop    shop-mailer-1  service removed from project
              - mailer  remove  shop-mailer-1  service removed from project
            """, plan);
        // The service is gone, and with it its stop_grace_period: the container's own stop timeout applies.
        Assert.Null(Assert.IsType<StopContainer>(plan.Actions[0]).StopGracePeriod);
    }

    [Fact]
    public void Orphan_removals_come_last_and_wait_for_nothing()
    {
        var before = Project("shop", Service("web"), Service("mailer", image: "mailer:3"));
        var after = Project("shop", Service("web", image: "app:1.1"));
        var observed = Deployed(before).WithImage("app:1.1", ImageId("app:1.1"));

        var plan = Plan(after, observed, new PlanOptions { Now = Now, RemoveOrphans = true });

        PlanAssert.Text("""
            shop: 3 to change
              ~ web     recreate  shop-web-1     config changed
                  image: app:1.0 → app:1.1
              - mailer  stop      shop-mailer-1  service removed from project
              - mailer  remove    shop-mailer-1  service removed from project
            """, plan);
        Assert.Equal("""
            1: #1 recreate shop-web-1, #2 stop shop-mailer-1
            2: #3 remove shop-mailer-1
            """.ReplaceLineEndings("\n"), PlanAssert.Stages(plan));
    }
}
