using Reconciler.Core.Building;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;
using Reconciler.Core.Planning;
using static Reconciler.Core.Tests.Planning.Given;

namespace Reconciler.Core.Tests.Planning;

/// <summary>Builds: when an image is built, what is recreated onto it, and that nothing runs is touched before it is built.</summary>
public class BuildPlanningTests
{
    private const string Old = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string New = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    /// <summary>web is built as shop-web (no image:), worker runs a pulled image.</summary>
    private static DesiredProject Shop(string digest = New, string policy = "missing", bool imageNamed = false, string webImage = "shop-web") =>
        Project("shop",
            Service("web", image: webImage, pullPolicy: policy) with
            {
                Build = new BuildSpec { Context = "/srv/shop/web", Dockerfile = "/srv/shop/web/Dockerfile", Digest = digest, ImageNamed = imageNamed },
            },
            Service("worker", image: "worker:1"));

    /// <summary>Deployed, with web's image built from <paramref name="builtFrom"/> (null: present without Reconciler's label).</summary>
    private static ObservedState Built(DesiredProject project, string? builtFrom)
    {
        var observed = Deployed(project);
        var id = ImageId(project.Services["web"].Image);
        return builtFrom is null ? observed : observed with { BuildDigests = observed.BuildDigests.Add(id, builtFrom) };
    }

    [Fact]
    public void An_image_built_from_the_same_inputs_is_in_sync()
    {
        var project = Shop();

        PlanAssert.Text("shop: in sync", Plan(project, Built(project, New)));
    }

    [Fact]
    public void Changed_inputs_rebuild_the_image_and_recreate_only_that_service_after_the_build()
    {
        var project = Shop();

        var plan = Plan(project, Built(project, Old));

        PlanAssert.Text("""
            shop: 2 to change
              *      build     shop-web    build inputs changed (111111111111 → 222222222222)
              ~ web  recreate  shop-web-1  image rebuilt
            """, plan);
        Assert.Equal([1], plan.Actions[1].DependsOn.AsEnumerable());
        Assert.Equal(["web"], ((BuildImage)plan.Actions[0]).Services.AsEnumerable());
        Assert.Equal(New, ((BuildImage)plan.Actions[0]).Labels[BuildLabels.Digest]);
    }

    [Fact]
    public void A_missing_image_is_built_before_its_container_is_created()
    {
        var project = Shop();
        var observed = Deployed(project).Without("shop-web-1").WithoutImage("shop-web");

        var plan = Plan(project, observed);

        PlanAssert.Text("""
            shop: 2 to change
              *      build   shop-web    image missing
              + web  create  shop-web-1  container missing
            """, plan);
        Assert.Equal([1], plan.Actions[1].DependsOn.AsEnumerable());
    }

    [Fact]
    public void Every_container_action_waits_for_every_build_so_a_failed_build_touches_nothing_that_runs()
    {
        // worker's image changed as well: its recreate must not run before web's build succeeded.
        var project = Shop();
        var observed = Built(project, Old).WithImage("worker:1", ImageId("worker:2"));

        var plan = Plan(project, observed);

        PlanAssert.Text($"""
            shop: 3 to change
              *         build     shop-web       build inputs changed (111111111111 → 222222222222)
              ~ web     recreate  shop-web-1     image rebuilt
              ~ worker  recreate  shop-worker-1  image changed
                  image id: {ImageReference.ShortId(ImageId("worker:1"))} → {ImageReference.ShortId(ImageId("worker:2"))}
            """, plan);
        Assert.All(plan.Actions.Skip(1), a => Assert.Contains(1, a.DependsOn));
    }

    [Fact]
    public void An_orphan_is_removed_only_after_the_builds()
    {
        var project = Shop();
        var orphan = ContainerOf(Project("shop", Service("old")), "old", 1);

        var plan = Plan(project, Built(project, Old).With(orphan), new PlanOptions { Now = Now, RemoveOrphans = true });

        Assert.All(plan.Actions.Where(a => a is StopContainer), a => Assert.Contains(1, a.DependsOn));
    }

    [Fact]
    public void An_image_present_without_the_label_is_used_as_it_is_unless_pull_policy_is_build()
    {
        PlanAssert.Text("shop: in sync", Plan(Shop(), Built(Shop(), builtFrom: null)));

        var build = Shop(policy: "build");
        PlanAssert.Text("""
            shop: 2 to change
              *      build     shop-web    image not built by Reconciler (pull_policy build)
              ~ web  recreate  shop-web-1  image rebuilt
            """, Plan(build, Built(build, builtFrom: null)));
    }

    [Fact]
    public void Pull_policy_never_still_builds_a_missing_image()
    {
        var project = Shop(policy: "never");

        PlanAssert.Text("""
            shop: 2 to change
              *      build   shop-web    image missing
              + web  create  shop-web-1  container missing
            """, Plan(project, Deployed(project).Without("shop-web-1").WithoutImage("shop-web")));
    }

    [Fact]
    public void Pull_policy_always_with_an_image_named_pulls_as_compose_does_instead_of_building()
    {
        var project = Shop(policy: "always", imageNamed: true, webImage: "registry:5000/shop/web:1.2");

        PlanAssert.Text("""
            shop: 1 to change
              ↓ pull  registry:5000/shop/web:1.2  pull_policy always
            """, Plan(project, Deployed(project), new PlanOptions { Now = Now, PullAlways = true }));
    }

    [Fact]
    public void Services_sharing_a_built_image_build_it_once()
    {
        var project = Shop();
        project = project with { Services = project.Services.SetItem("worker", project.Services["web"] with { Name = "worker", Template = project.Services["worker"].Template with { Image = "shop-web" } }) };

        var plan = Plan(project, Built(project, Old));

        var build = Assert.Single(plan.Actions.OfType<BuildImage>());
        Assert.Equal(["web", "worker"], build.Services.AsEnumerable());
        Assert.Equal(2, plan.Actions.OfType<RecreateContainer>().Count());
    }

    [Fact]
    public void A_rebuilt_plan_applied_plans_nothing_more()
    {
        var project = Shop();
        var plan = Plan(project, Built(project, Old));

        var after = PlanAssert.Apply(plan, Built(project, Old));

        PlanAssert.Text("shop: in sync", Plan(project, after));
    }

    [Fact]
    public void A_plan_with_a_build_round_trips_through_json()
    {
        var plan = Plan(Shop(), Built(Shop(), Old));

        var back = Core.Planning.Plan.FromJson(plan.ToJson());

        Assert.Equal(plan.ToJson(), back.ToJson());
        Assert.Equal(plan.Actions[0], back.Actions[0]);
        Assert.Contains("\"action\": \"build-image\"", plan.ToJson());
    }
}
