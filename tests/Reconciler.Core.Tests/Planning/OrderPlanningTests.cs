using Reconciler.Core.Desired;
using Reconciler.Core.Observed;
using Reconciler.Core.Planning;
using static Reconciler.Core.Tests.Planning.Given;

namespace Reconciler.Core.Tests.Planning;

/// <summary>depends_on ordering, parallel stages, dependents restarted, and how a recreate is carried out.</summary>
public class OrderPlanningTests
{
    private static ObservedState NoContainers(DesiredProject project) => Deployed(project) with { Containers = [] };

    [Fact]
    public void Dependencies_come_first_and_independent_services_share_a_stage()
    {
        var project = Project("shop",
            Service("cache", image: "redis:7"),
            Service("db", image: "postgres:16"),
            Service("web").DependingOn("db").DependingOn("cache"),
            Service("worker", image: "worker:1").DependingOn("db"));

        var plan = Plan(project, NoContainers(project));

        PlanAssert.Text("""
            shop: 4 to change
              + cache   create  shop-cache-1   container missing
              + db      create  shop-db-1      container missing
              + web     create  shop-web-1     container missing
              + worker  create  shop-worker-1  container missing
            """, plan);
        Assert.Equal("""
            1: #1 create shop-cache-1, #2 create shop-db-1
            2: #3 create shop-web-1, #4 create shop-worker-1
            """.ReplaceLineEndings("\n"), PlanAssert.Stages(plan));
        Assert.Equal([1, 2], plan.Actions[2].DependsOn.AsEnumerable());
        Assert.Equal([2], plan.Actions[3].DependsOn.AsEnumerable());
    }

    [Fact]
    public void A_dependency_with_nothing_to_do_passes_its_own_dependencies_on()
    {
        var project = Project("shop",
            Service("db", image: "postgres:16"),
            Service("api", image: "api:1").DependingOn("db"),
            Service("web").DependingOn("api"));
        var observed = Deployed(project).Without("shop-db-1").Without("shop-web-1");

        var plan = Plan(project, observed);

        PlanAssert.Text("""
            shop: 2 to change
              + db   create  shop-db-1   container missing
              + web  create  shop-web-1  container missing
            """, plan);
        Assert.Equal([1], plan.Actions[1].DependsOn.AsEnumerable());
    }

    [Fact]
    public void Services_are_listed_in_dependency_order_not_by_name()
    {
        var project = Project("shop", Service("app"), Service("zdb", image: "postgres:16"));
        project = project with { Services = project.Services.SetItem("app", project.Services["app"].DependingOn("zdb")) };

        PlanAssert.Text("""
            shop: 2 to change
              + zdb  create  shop-zdb-1  container missing
              + app  create  shop-app-1  container missing
            """, Plan(project, NoContainers(project)));
    }

    [Fact]
    public void A_recreated_dependency_restarts_the_dependents_that_ask_for_it()
    {
        var before = Project("shop",
            Service("db", image: "postgres:16"),
            Service("web").DependingOn("db", restart: true),
            Service("worker", image: "worker:1").DependingOn("db"));
        var after = Project("shop",
            Service("db", image: "postgres:17"),
            Service("web").DependingOn("db", restart: true),
            Service("worker", image: "worker:1").DependingOn("db"));
        var observed = Deployed(before).WithImage("postgres:17", ImageId("postgres:17"));

        var plan = Plan(after, observed);

        PlanAssert.Text("""
            shop: 2 to change
              ~ db   recreate  shop-db-1   config changed
                  image: postgres:16 → postgres:17
              ~ web  restart   shop-web-1  dependency db was recreated
            """, plan);
        Assert.Equal([1], plan.Actions[1].DependsOn.AsEnumerable());
    }

    [Fact]
    public void Stop_first_is_the_default_update_order()
    {
        var before = Project("shop", Service("web"));
        var after = Project("shop", Service("web", image: "app:1.1"));
        var observed = Deployed(before).WithImage("app:1.1", ImageId("app:1.1"));

        var recreate = Assert.IsType<RecreateContainer>(Assert.Single(Plan(after, observed).Actions));

        Assert.Equal(UpdateOrder.StopFirst, recreate.Order);
        Assert.Equal(
            [RecreateStep.CreateNew, RecreateStep.StopOld, RecreateStep.RemoveOld, RecreateStep.RenameNew, RecreateStep.StartNew],
            recreate.Steps.AsEnumerable());
        Assert.Equal(Id("shop-web-1"), recreate.ContainerId);
        Assert.Equal(Id("shop-web-1")[..12] + "_shop-web-1", recreate.TemporaryName);
        Assert.Equal(recreate.TemporaryName, recreate.Spec.Name);
        Assert.Equal(TimeSpan.FromSeconds(10), recreate.StopGracePeriod);
        // The new container's first alias is its final name, not the temporary one.
        Assert.Equal("shop-web-1", recreate.Spec.Networks["shop_default"].Aliases[0]);
    }

    [Fact]
    public void Start_first_starts_the_new_container_before_stopping_the_old()
    {
        var before = Project("shop", Service("web", updateOrder: "start-first"));
        var after = Project("shop", Service("web", image: "app:1.1", updateOrder: "start-first"));
        var observed = Deployed(before).WithImage("app:1.1", ImageId("app:1.1"));

        var plan = Plan(after, observed);

        PlanAssert.Text("""
            shop: 1 to change
              ~ web  recreate  shop-web-1  config changed
                  update order: start-first
                  image: app:1.0 → app:1.1
            """, plan);
        var recreate = Assert.IsType<RecreateContainer>(plan.Actions[0]);
        Assert.Equal(UpdateOrder.StartFirst, recreate.Order);
        Assert.Equal(
            [RecreateStep.CreateNew, RecreateStep.StartNew, RecreateStep.WaitNewHealthy, RecreateStep.StopOld, RecreateStep.RemoveOld, RecreateStep.RenameNew],
            recreate.Steps.AsEnumerable());
    }

    [Fact]
    public void Start_first_does_not_wait_for_health_when_the_healthcheck_is_disabled()
    {
        var before = Project("shop", Service("web", updateOrder: "start-first"));
        var after = Project("shop", Service("web", image: "app:1.1", updateOrder: "start-first"));
        after = after with
        {
            Services = after.Services.SetItem("web", after.Services["web"] with
            {
                Template = after.Services["web"].Template with { Healthcheck = new HealthSpec { Test = ["NONE"] } },
            }),
        };
        var observed = Deployed(before).WithImage("app:1.1", ImageId("app:1.1"));

        var recreate = Assert.IsType<RecreateContainer>(Assert.Single(Plan(after, observed).Actions));

        Assert.DoesNotContain(RecreateStep.WaitNewHealthy, recreate.Steps);
    }

    [Fact]
    public void An_unknown_update_order_is_reported_and_stop_first_used()
    {
        var project = Project("shop", Service("web", updateOrder: "blue-green"));

        PlanAssert.Text("""
            shop: in sync, 1 warning
              ! web  warning  x-reconciler.update_order  update_order "blue-green" unknown (stop-first or start-first); using stop-first
            """, Plan(project, Deployed(project)));
    }

    [Fact]
    public void A_one_shot_job_that_completed_is_not_started_again()
    {
        var project = Project("shop",
            Service("migrate", image: "app-migrate:1"),
            Service("web").DependingOn("migrate", condition: "service_completed_successfully"));

        var done = Deployed(project).Changing("shop-migrate-1", c => c with { State = "exited", Status = "Exited (0) 2 hours ago", ExitCode = 0 });
        var failed = Deployed(project).Changing("shop-migrate-1", c => c with { State = "exited", Status = "Exited (1) 2 hours ago", ExitCode = 1 });

        PlanAssert.Text("shop: in sync", Plan(project, done));
        PlanAssert.Text("""
            shop: 1 to change
              + migrate  start  shop-migrate-1  container stopped
            """, Plan(project, failed));
    }

    [Fact]
    public void A_dependency_cycle_is_reported_and_broken_by_name()
    {
        var project = Project("shop",
            Service("a", image: "a:1").DependingOn("b"),
            Service("b", image: "b:1").DependingOn("a"));

        var plan = Plan(project, NoContainers(project));

        PlanAssert.Text("""
            shop: 2 to change, 1 error
              + a  create  shop-a-1  container missing
              + b  create  shop-b-1  container missing
              !    error   a, b      these services depend on each other in a circle; ordered by name
            """, plan);
    }
}
