using Reconciler.Core.Desired;
using Reconciler.Core.Planning;
using static Reconciler.Core.Tests.Planning.Given;

namespace Reconciler.Core.Tests.Planning;

/// <summary>pull_policy, one pull per image, pulls before the containers that need them.</summary>
public class PullPlanningTests
{
    private static DesiredProject Shop(string policy, string image = "app:1.0") =>
        Project("shop", Service("web", image: image, pullPolicy: policy), Service("worker", image: "worker:1"));

    private static PlanOptions Options(bool pullAlways = false, params (string Image, TimeSpan Ago)[] lastPulled) => new()
    {
        Now = Now,
        PullAlways = pullAlways,
        LastPulled = lastPulled.ToDictionary(p => p.Image, p => Now - p.Ago),
    };

    [Fact]
    public void Pull_policy_missing_pulls_only_absent_images()
    {
        var project = Shop("missing");

        PlanAssert.Text("shop: in sync", Plan(project, Deployed(project)));
        PlanAssert.Text("""
            shop: 1 to change
              ↓ pull  app:1.0  image missing
            """, Plan(project, Deployed(project).WithoutImage("app:1.0")));
    }

    [Fact]
    public void Pull_policy_always_pulls_when_containers_are_created_or_when_asked()
    {
        var project = Shop("always");

        PlanAssert.Text("shop: in sync", Plan(project, Deployed(project)));
        PlanAssert.Text("""
            shop: 1 to change
              ↓ pull  app:1.0  pull_policy always
            """, Plan(project, Deployed(project), Options(pullAlways: true)));

        var plan = Plan(project, Deployed(project).Without("shop-web-1"));
        PlanAssert.Text("""
            shop: 2 to change
              ↓      pull    app:1.0     pull_policy always
              + web  create  shop-web-1  container missing
            """, plan);
        Assert.Equal([1], plan.Actions[1].DependsOn.AsEnumerable());
    }

    [Fact]
    public void Pull_always_leaves_other_policies_alone()
    {
        var project = Shop("missing");

        PlanAssert.Text("shop: in sync", Plan(project, Deployed(project), Options(pullAlways: true)));
    }

    [Fact]
    public void Pull_policy_never_reports_a_missing_image()
    {
        var project = Shop("never");

        PlanAssert.Text("shop: in sync", Plan(project, Deployed(project).WithoutImage("app:1.0")));
        PlanAssert.Text("""
            shop: 1 to change, 1 error
              + web  create  shop-web-1     container missing
              ! web  error   image app:1.0  not present and pull_policy is never; load or pull it by hand
            """, Plan(project, Deployed(project).WithoutImage("app:1.0").Without("shop-web-1")));
    }

    [Fact]
    public void Pull_policy_build_without_a_build_section_uses_the_local_image_and_is_an_error_when_it_is_missing()
    {
        var project = Shop("build", image: "shop/web:dev");

        PlanAssert.Text("shop: in sync", Plan(project, Deployed(project)));
        PlanAssert.Text("""
            shop: 1 to change, 1 error
              + web  create  shop-web-1          container missing
              ! web  error   image shop/web:dev  not present and pull_policy is build, but the service has no build: section to build it from
            """, Plan(project, Deployed(project).WithoutImage("shop/web:dev").Without("shop-web-1")));
    }

    [Theory]
    [InlineData("daily", 25 * 60, "last pulled 1d1h ago (pull_policy daily)")]
    [InlineData("daily", 3 * 60, null)]
    [InlineData("weekly", 8 * 24 * 60, "last pulled 8d ago (pull_policy weekly)")]
    [InlineData("weekly", 6 * 24 * 60, null)]
    [InlineData("every_12h", 13 * 60 + 5, "last pulled 13h5m ago (pull_policy every_12h)")]
    [InlineData("every_2d", 47 * 60, null)]
    [InlineData("every_30m", 30, "last pulled 30m ago (pull_policy every_30m)")]
    [InlineData("every_2h", 60, null)]
    [InlineData("every_2h", 2 * 60 + 10, "last pulled 2h10m ago (pull_policy every_2h)")]
    [InlineData("daily", 60, null)]
    public void Time_based_pull_policies_pull_when_the_last_pull_is_that_old(string policy, int minutesAgo, string? reason)
    {
        var project = Shop(policy);

        var plan = Plan(project, Deployed(project), Options(lastPulled: ("app:1.0", TimeSpan.FromMinutes(minutesAgo))));

        Assert.Equal(reason, plan.Actions.OfType<PullImage>().SingleOrDefault()?.Reason);
    }

    [Fact]
    public void Time_based_pull_policies_pull_when_the_last_pull_is_unknown()
    {
        var project = Shop("daily");

        PlanAssert.Text("""
            shop: 1 to change
              ↓ pull  app:1.0  last pull unknown (pull_policy daily)
            """, Plan(project, Deployed(project)));
    }

    [Fact]
    public void Last_pull_times_may_be_keyed_by_the_normalized_reference()
    {
        var project = Shop("daily", image: "docker.io/library/nginx");

        var plan = Plan(project, Deployed(project), Options(lastPulled: ("nginx:latest", TimeSpan.FromHours(1))));

        PlanAssert.Text("shop: in sync", plan);
    }

    [Fact]
    public void A_pull_recorded_under_another_spelling_of_the_image_counts()
    {
        // The daemon records the reference as the pull wrote it: the first service's spelling.
        var project = Project("shop",
            Service("api", image: "nginx", pullPolicy: "missing"),
            Service("web", image: "docker.io/library/nginx:latest", pullPolicy: "daily"));

        PlanAssert.Text("shop: in sync", Plan(project, Deployed(project), Options(lastPulled: ("nginx", TimeSpan.FromHours(1)))));
        PlanAssert.Text("""
            shop: 1 to change
              ↓ pull  nginx  last pulled 1d2h ago (pull_policy daily)
            """, Plan(project, Deployed(project), Options(lastPulled: ("nginx", TimeSpan.FromHours(26)))));
    }

    [Fact]
    public void An_unreadable_pull_policy_is_reported_and_read_as_missing()
    {
        var project = Shop("every_soon");

        PlanAssert.Text("""
            shop: 1 to change, 1 error
              ↓      pull   app:1.0        image missing
              ! web  error  image app:1.0  pull_policy "every_soon" unreadable; pulling only when missing
            """, Plan(project, Deployed(project).WithoutImage("app:1.0")));
    }

    [Fact]
    public void One_pull_serves_every_service_using_the_image()
    {
        var before = Project("shop", Service("api"), Service("web"));
        var after = Project("shop", Service("api", image: "app:1.1"), Service("web", image: "docker.io/library/app:1.1"));

        var plan = Plan(after, Deployed(before));

        PlanAssert.Text("""
            shop: 3 to change
              ↓      pull      app:1.1     image missing
              ~ api  recreate  shop-api-1  config changed
                  image: app:1.0 → app:1.1
              ~ web  recreate  shop-web-1  config changed
                  image: app:1.0 → docker.io/library/app:1.1
            """, plan);
        Assert.Equal(["api", "web"], Assert.IsType<PullImage>(plan.Actions[0]).Services.AsEnumerable());
        Assert.All(plan.Actions.Skip(1), a => Assert.Equal([1], a.DependsOn.AsEnumerable()));
    }

    [Fact]
    public void A_service_scaled_to_zero_pulls_nothing()
    {
        var project = Project("shop", Service("web", replicas: 0, pullPolicy: "always"));

        PlanAssert.Text("shop: in sync", Plan(project, Deployed(project) with { LocalImages = System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty }, Options(pullAlways: true)));
    }
}
