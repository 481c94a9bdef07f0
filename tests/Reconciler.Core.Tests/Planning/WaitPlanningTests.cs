using System.Collections.Immutable;
using System.Text.Json;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;
using Reconciler.Core.Planning;
using static Reconciler.Core.Tests.Planning.Given;

namespace Reconciler.Core.Tests.Planning;

/// <summary>
/// What a container action waits for and shares, planned so the executor reads it off the action:
/// depends_on conditions as <see cref="DependencyWait"/>s, <c>service:x</c> modes as shared containers.
/// </summary>
public class WaitPlanningTests
{
    private static ObservedState NoContainers(DesiredProject project) => Deployed(project) with { Containers = [] };

    private static DesiredProject WebOnDb(string condition) => Project("shop",
        Service("db", image: "db:1"),
        Service("web").DependingOn("db", condition: condition));

    [Fact]
    public void A_container_whose_dependency_must_be_healthy_waits_for_its_first_replica()
    {
        var plan = Plan(WebOnDb("service_healthy"), NoContainers(WebOnDb("service_healthy")));

        var web = plan.Actions.OfType<CreateContainer>().Single(a => a.Service == "web");
        Assert.Equal([new DependencyWait("db", "shop-db-1", WaitCondition.Healthy)], web.Waits.AsEnumerable());
        Assert.Empty(plan.Actions.OfType<CreateContainer>().Single(a => a.Service == "db").Waits);
    }

    [Fact]
    public void A_container_whose_dependency_must_complete_waits_for_it_to_exit_successfully()
    {
        var project = WebOnDb("service_completed_successfully");

        var web = Plan(project, NoContainers(project)).Actions.OfType<CreateContainer>().Single(a => a.Service == "web");

        Assert.Equal([new DependencyWait("db", "shop-db-1", WaitCondition.CompletedSuccessfully)], web.Waits.AsEnumerable());
    }

    [Fact]
    public void A_dependency_that_need_only_be_started_is_not_waited_for_as_ordering_covers_it()
    {
        var project = WebOnDb("service_started");

        var plan = Plan(project, NoContainers(project));

        Assert.All(plan.Actions.OfType<CreateContainer>(), a => Assert.Empty(a.Waits));
    }

    [Fact]
    public void Starting_and_recreating_a_container_wait_for_its_dependencies_too()
    {
        var project = WebOnDb("service_healthy");
        var changed = project with { Services = project.Services.SetItem("web", project.Services["web"] with { ConfigHash = "changed" }) };
        var wait = new DependencyWait("db", "shop-db-1", WaitCondition.Healthy);

        var start = Plan(project, Deployed(project).Changing("shop-web-1", c => c with { State = "exited", Status = "Exited (0) 1 minute ago" }));
        var recreate = Plan(changed, Deployed(project));

        Assert.Equal([wait], Assert.Single(start.Actions.OfType<StartContainer>()).Waits.AsEnumerable());
        Assert.Equal([wait], Assert.Single(recreate.Actions.OfType<RecreateContainer>()).Waits.AsEnumerable());
    }

    [Fact]
    public void A_dependency_with_a_container_name_is_waited_for_under_that_name()
    {
        var project = Project("shop",
            Service("db", image: "db:1", containerName: "database"),
            Service("web").DependingOn("db", condition: "service_healthy"));

        var web = Plan(project, NoContainers(project)).Actions.OfType<CreateContainer>().Single(a => a.Service == "web");

        Assert.Equal("database", Assert.Single(web.Waits).ContainerName);
    }

    [Fact]
    public void A_dependency_outside_the_project_has_no_container_to_wait_for()
    {
        var project = Project("shop", Service("web").DependingOn("optional", condition: "service_healthy"));

        var web = Assert.Single(Plan(project, NoContainers(project)).Actions.OfType<CreateContainer>());

        Assert.Empty(web.Waits);
    }

    [Fact]
    public void A_service_mode_names_the_container_whose_namespace_is_shared()
    {
        var project = Project("shop", Service("db", image: "db:1"), Service("web"));
        var web = project.Services["web"];
        project = project with
        {
            Services = project.Services.SetItem("web", web with
            {
                Template = web.Template with { Host = web.Template.Host with { NetworkMode = "service:db", PidMode = "service:db" } },
            }),
        };

        var plan = Plan(project, NoContainers(project));

        var create = plan.Actions.OfType<CreateContainer>().Single(a => a.Service == "web");
        Assert.Equal([KeyValuePair.Create("db", "shop-db-1")], create.SharedContainers.AsEnumerable());
        Assert.Empty(plan.Actions.OfType<CreateContainer>().Single(a => a.Service == "db").SharedContainers);
    }

    [Fact]
    public void Waits_show_in_the_json_only_on_the_actions_that_have_them_and_not_in_the_text()
    {
        var project = WebOnDb("service_healthy");
        var plan = Plan(project, NoContainers(project));

        using var doc = JsonDocument.Parse(plan.ToJson());
        var actions = doc.RootElement.GetProperty("actions").EnumerateArray().ToList();

        var web = actions.Single(a => a.TryGetProperty("service", out var s) && s.GetString() == "web");
        var wait = web.GetProperty("waits")[0];
        Assert.Equal("db", wait.GetProperty("service").GetString());
        Assert.Equal("shop-db-1", wait.GetProperty("containerName").GetString());
        Assert.Equal("healthy", wait.GetProperty("condition").GetString());
        Assert.All(actions.Where(a => a.GetRawText() != web.GetRawText()), a => Assert.False(a.TryGetProperty("waits", out _)));
        Assert.All(actions, a => Assert.False(a.TryGetProperty("sharedContainers", out _) || a.TryGetProperty("verb", out _) || a.TryGetProperty("target", out _)));
        var back = Reconciler.Core.Planning.Plan.FromJson(plan.ToJson());
        Assert.Equal(
            plan.Actions.OfType<CreateContainer>().Select(a => a.Waits.AsEnumerable()),
            back.Actions.OfType<CreateContainer>().Select(a => a.Waits.AsEnumerable()));
        PlanAssert.Text("""
            shop: 2 to change
              + db   create  shop-db-1   container missing
              + web  create  shop-web-1  container missing
            """, plan);
    }
}
