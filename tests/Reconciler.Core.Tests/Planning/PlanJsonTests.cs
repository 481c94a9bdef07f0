using System.Text.Json;
using Reconciler.Core.Planning;
using static Reconciler.Core.Tests.Planning.Given;

namespace Reconciler.Core.Tests.Planning;

public class PlanJsonTests
{
    private static Plan BusyPlan()
    {
        var before = Project("shop", [Service("web", replicas: 3, updateOrder: "start-first"), Service("old", image: "old:1")], withVolume: true);
        var after = Project("shop", [Service("web", image: "app:1.1", replicas: 1, updateOrder: "start-first"), Service("new", image: "new:1")], withVolume: true);
        var observed = Deployed(before).WithImage("app:1.1", ImageId("app:1.1")) with { Networks = [] };
        return Plan(after, observed, new PlanOptions { Now = Now, RemoveOrphans = true });
    }

    [Fact]
    public void A_plan_survives_the_round_trip_through_json()
    {
        var plan = BusyPlan();

        var json = plan.ToJson();
        var back = Reconciler.Core.Planning.Plan.FromJson(json);

        Assert.Equal(plan.ToString(), back.ToString());
        Assert.Equal(json, back.ToJson());
        Assert.Equal(plan.Actions.Select(a => a.GetType()), back.Actions.Select(a => a.GetType()));
    }

    [Fact]
    public void Actions_are_tagged_and_enums_are_words()
    {
        using var doc = JsonDocument.Parse(BusyPlan().ToJson());
        var actions = doc.RootElement.GetProperty("actions").EnumerateArray().ToList();

        Assert.Equal(
            ["pull-image", "create-network", "create-container", "recreate-container", "stop-container", "remove-container", "stop-container", "remove-container", "stop-container", "remove-container"],
            actions.Select(a => a.GetProperty("action").GetString()));
        var recreate = actions.Single(a => a.GetProperty("action").GetString() == "recreate-container");
        Assert.Equal("start-first", recreate.GetProperty("order").GetString());
        Assert.Equal("create-new", recreate.GetProperty("steps")[0].GetString());
        Assert.Equal("image", recreate.GetProperty("changes")[0].GetProperty("path").GetString());
    }

    [Fact]
    public void Problems_carry_kind_and_severity()
    {
        var project = Project("shop", Service("web"));
        var plan = Plan(project, Deployed(project).Without("shop-web-1").With(Stranger("shop-web-1")));

        using var doc = JsonDocument.Parse(plan.ToJson());
        var problem = doc.RootElement.GetProperty("problems")[0];

        Assert.Equal("name-conflict", problem.GetProperty("kind").GetString());
        Assert.Equal("error", problem.GetProperty("severity").GetString());
        Assert.Equal("shop-web-1", problem.GetProperty("subject").GetString());
    }

    [Fact]
    public void A_plan_whose_actions_are_out_of_order_is_refused()
    {
        var plan = BusyPlan();
        var shuffled = plan.Actions.Reverse().ToArray();

        Assert.Throws<ArgumentException>(() => new Reconciler.Core.Planning.Plan("shop", [.. shuffled], []));
    }

    [Fact]
    public void Actions_compare_their_collections_element_by_element()
    {
        // Actions holding specs (create, recreate, networks) compare those as the Desired records do.
        static bool WithoutSpec(PlanAction a) => a is PullImage or StopContainer or RemoveContainer or StartContainer;
        var a = BusyPlan().Actions.Where(WithoutSpec).ToList();
        var b = BusyPlan().Actions.Where(WithoutSpec).ToList();

        Assert.NotEmpty(a);
        Assert.Equal(a, b);
        Assert.NotEqual(a[0], a[0] with { DependsOn = [1] });
    }
}
