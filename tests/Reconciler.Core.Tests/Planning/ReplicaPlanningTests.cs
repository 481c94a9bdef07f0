using Reconciler.Core.Desired;
using Reconciler.Core.Planning;
using static Reconciler.Core.Tests.Planning.Given;

namespace Reconciler.Core.Tests.Planning;

/// <summary>Replica numbers 1..Replicas: gaps, surplus, duplicates, and what an interrupted recreate leaves.</summary>
public class ReplicaPlanningTests
{
    [Fact]
    public void Scaling_up_creates_the_missing_numbers()
    {
        var before = Project("shop", Service("web"));
        var after = Project("shop", Service("web", replicas: 3));

        PlanAssert.Text("""
            shop: 2 to change
              + web  create  shop-web-2  container missing
              + web  create  shop-web-3  container missing
            """, Plan(after, Deployed(before)));
    }

    [Fact]
    public void Scaling_down_removes_the_highest_numbers()
    {
        var before = Project("shop", Service("web", replicas: 4));
        var after = Project("shop", Service("web", replicas: 2));
        var observed = Deployed(before).Changing("shop-web-3", c => c with { State = "exited" });

        PlanAssert.Text("""
            shop: 3 to change
              - web  stop    shop-web-4  scaled down to 2
              - web  remove  shop-web-4  scaled down to 2
              - web  remove  shop-web-3  scaled down to 2
            """, Plan(after, observed));
    }

    [Fact]
    public void Scaling_to_zero_removes_every_container_and_pulls_nothing()
    {
        var before = Project("shop", Service("web", replicas: 2));
        var after = Project("shop", Service("web", image: "app:2.0", replicas: 0));

        PlanAssert.Text("""
            shop: 4 to change
              - web  stop    shop-web-2  scaled down to 0
              - web  remove  shop-web-2  scaled down to 0
              - web  stop    shop-web-1  scaled down to 0
              - web  remove  shop-web-1  scaled down to 0
            """, Plan(after, Deployed(before)));
    }

    [Fact]
    public void A_gap_in_the_replica_numbers_is_filled()
    {
        var project = Project("shop", Service("web", replicas: 3));

        PlanAssert.Text("""
            shop: 1 to change
              + web  create  shop-web-2  container missing
            """, Plan(project, Deployed(project).Without("shop-web-2")));
    }

    [Fact]
    public void Duplicates_of_one_number_keep_the_running_one()
    {
        // Crash leftovers: a newer, stopped copy claims number 1 too.
        var project = Project("shop", Service("web"));
        var copy = ContainerOf(project, "web", 1) with { Name = "shop-web-1-copy", Id = Id("copy"), State = "exited", Created = Now.AddHours(-1) };

        PlanAssert.Text("""
            shop: 1 to change
              - web  remove  shop-web-1-copy  duplicate of shop-web-1
            """, Plan(project, Deployed(project).With(copy)));
    }

    [Fact]
    public void Duplicates_of_one_number_that_all_run_keep_the_newest()
    {
        var project = Project("shop", Service("web"));
        var older = ContainerOf(project, "web", 1) with { Name = "shop_web_1", Id = Id("shop_web_1"), Created = Now.AddDays(-30) };

        PlanAssert.Text("""
            shop: 2 to change
              - web  stop    shop_web_1  duplicate of shop-web-1
              - web  remove  shop_web_1  duplicate of shop-web-1
            """, Plan(project, Deployed(project).With(older)));
    }

    [Fact]
    public void A_container_under_another_name_is_recreated_under_the_wanted_one()
    {
        // The config hash leaves names out, so a changed container_name is caught by name.
        var before = Project("shop", Service("proxy", containerName: "edge-old"));
        var after = Project("shop", Service("proxy", containerName: "edge"));

        PlanAssert.Text("""
            shop: 1 to change
              ~ proxy  recreate  edge-old → edge  container name changed
                  container name: edge-old → edge
            """, Plan(after, Deployed(before)));
    }

    [Fact]
    public void A_leftover_temporary_container_is_removed_when_the_original_exists()
    {
        // The recreate was interrupted after creating the replacement: the original still serves.
        var project = Project("shop", Service("web"));
        var next = Project("shop", Service("web", image: "app:1.1"));
        var replacement = ContainerOf(next, "web", 1) with { Name = "0123456789ab_shop-web-1", Id = Id("tmp"), State = "created" };
        var observed = Deployed(project).With(replacement);

        PlanAssert.Text("""
            shop: 1 to change
              - web  remove  0123456789ab_shop-web-1  leftover of an interrupted recreate
            """, Plan(project, observed));
    }

    [Fact]
    public void A_leftover_temporary_container_is_renamed_back_when_the_original_is_gone()
    {
        // start-first was interrupted after removing the original: the replacement runs and serves.
        var before = Project("shop", Service("web"));
        var after = Project("shop", Service("web", image: "app:1.1"));
        var replacement = ContainerOf(after, "web", 1) with { Name = "0123456789ab_shop-web-1", Id = Id("tmp") };
        var observed = Deployed(before).Without("shop-web-1").With(replacement).WithImage("app:1.1", ImageId("app:1.1"));

        PlanAssert.Text("""
            shop: 1 to change
              ~ web  rename  0123456789ab_shop-web-1 → shop-web-1  finishing an interrupted recreate
            """, Plan(after, observed));
    }

    [Fact]
    public void A_renamed_back_container_is_then_judged_like_any_other()
    {
        // stop-first was interrupted after removing the original: the replacement was never started.
        var before = Project("shop", Service("web"));
        var after = Project("shop", Service("web", image: "app:1.1"));
        var replacement = ContainerOf(after, "web", 1) with { Name = "0123456789ab_shop-web-1", Id = Id("tmp"), State = "created" };
        var observed = Deployed(before).Without("shop-web-1").With(replacement).WithImage("app:1.1", ImageId("app:1.1"));

        var plan = Plan(after, observed);

        PlanAssert.Text("""
            shop: 2 to change
              ~ web  rename  0123456789ab_shop-web-1 → shop-web-1  finishing an interrupted recreate
              + web  start   shop-web-1                            container never started
            """, plan);
        Assert.Equal([1], plan.Actions[1].DependsOn.AsEnumerable());
    }

    [Fact]
    public void Container_name_means_exactly_one_container()
    {
        var project = Project("shop", Service("proxy", containerName: "edge-proxy", replicas: 3));
        var observed = Deployed(project).Without("edge-proxy");

        PlanAssert.Text("""
            shop: 1 to change, 1 error
              + proxy  create  edge-proxy  container missing
              ! proxy  error   edge-proxy  container_name allows one container, 3 replicas asked; running one
            """, Plan(project, observed));
    }

    [Fact]
    public void A_container_without_a_number_label_is_removed()
    {
        var project = Project("shop", Service("web"));
        var unnumbered = ContainerOf(project, "web", 1).WithLabel(ComposeLabels.Number, null) with { Name = "web-by-hand", Id = Id("web-by-hand"), State = "exited" };

        PlanAssert.Text("""
            shop: 1 to change
              - web  remove  web-by-hand  no container number label
            """, Plan(project, Deployed(project).With(unnumbered)));
    }

    [Fact]
    public void Created_containers_carry_the_labels_the_next_plan_reads()
    {
        var project = Project("shop", Service("web", replicas: 2, env: [("LOG_LEVEL", "info")]));
        var web = project.Services["web"];

        var plan = Plan(project, Deployed(project).Without("shop-web-2"));

        var create = Assert.IsType<CreateContainer>(Assert.Single(plan.Actions));
        Assert.Equal("shop-web-2", create.Spec.Name);
        Assert.Equal("2", create.Spec.Labels[ComposeLabels.Number]);
        Assert.Equal(web.ConfigHash, create.Spec.Labels[ComposeLabels.ConfigHash]);
        Assert.Equal("shop", create.Spec.Labels[ComposeLabels.Project]);
        Assert.Equal("web", create.Spec.Labels[ComposeLabels.Service]);
        Assert.Equal("False", create.Spec.Labels[ComposeLabels.Oneoff]);
        Assert.Equal(web.Fields, SpecLabel.Decode(create.Spec.Labels[SpecLabel.Name])!);
        Assert.Equal(["shop-web-2", "web"], create.Spec.Networks["shop_default"].Aliases.AsEnumerable());
    }

    [Theory]
    [InlineData("scale up")]
    [InlineData("scale down")]
    [InlineData("new image and env")]
    [InlineData("interrupted recreate")]
    [InlineData("from nothing")]
    public void Planning_again_after_applying_a_plan_plans_nothing(string change)
    {
        var before = Project("shop", [Service("web", replicas: 2), Service("db", image: "postgres:16")], withVolume: true);
        var after = change switch
        {
            "scale up" => Project("shop", [Service("web", replicas: 4), Service("db", image: "postgres:16")], withVolume: true),
            "scale down" => Project("shop", [Service("web", replicas: 1), Service("db", image: "postgres:16")], withVolume: true),
            _ => Project("shop", [Service("web", replicas: 2, image: "app:1.1", env: [("A", "b")]).DependingOn("db", restart: true), Service("db", image: "postgres:17")], withVolume: true),
        };
        var observed = change switch
        {
            "from nothing" => Reconciler.Core.Observed.ObservedState.Empty,
            "interrupted recreate" => Deployed(before).Without("shop-web-2").With(ContainerOf(after, "web", 2) with { Name = "0123456789ab_shop-web-2", Id = Id("tmp"), State = "created" }),
            _ => Deployed(before),
        };

        var plan = Plan(after, observed);
        Assert.False(plan.IsEmpty);
        var again = Plan(after, PlanAssert.Apply(plan, observed));

        PlanAssert.Text("shop: in sync", again);
    }

    [Fact]
    public void Replica_specs_keep_everything_else_of_the_template()
    {
        var project = Project("shop", Service("web", replicas: 2));
        var plan = Plan(project, Deployed(project).Without("shop-web-2"));
        var spec = Assert.IsType<CreateContainer>(plan.Actions[0]).Spec;
        var template = project.Services["web"].Template;

        Assert.Equal(template.Image, spec.Image);
        Assert.Equal(template.Host, spec.Host);
        Assert.Equal(template.Env.AsEnumerable(), spec.Env.AsEnumerable());
    }
}
