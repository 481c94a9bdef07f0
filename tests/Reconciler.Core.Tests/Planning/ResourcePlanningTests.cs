using System.Collections.Immutable;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;
using Reconciler.Core.Planning;
using static Reconciler.Core.Tests.Planning.Given;

namespace Reconciler.Core.Tests.Planning;

/// <summary>Networks and volumes: created when missing, reported when they differ, never removed.</summary>
public class ResourcePlanningTests
{
    private static readonly DesiredProject Shop = Project("shop", [Service("web"), Service("worker", image: "worker:1")], withVolume: true);

    [Fact]
    public void A_new_project_pulls_then_creates_networks_and_volumes_then_containers()
    {
        var plan = Plan(Shop, ObservedState.Empty);

        PlanAssert.Text("""
            shop: 6 to change
              ↓         pull    app:1.0               image missing
              ↓         pull    worker:1              image missing
              +         create  network shop_default  network missing
              +         create  volume shop_data      volume missing
              + web     create  shop-web-1            container missing
              + worker  create  shop-worker-1         container missing
            """, plan);
        Assert.Equal("""
            1: #1 pull app:1.0, #2 pull worker:1, #3 create network shop_default, #4 create volume shop_data
            2: #5 create shop-web-1, #6 create shop-worker-1
            """.ReplaceLineEndings("\n"), PlanAssert.Stages(plan));
        Assert.Equal([1, 3, 4], plan.Actions[4].DependsOn.AsEnumerable());
        Assert.Equal([2, 3, 4], plan.Actions[5].DependsOn.AsEnumerable());
    }

    [Fact]
    public void A_deleted_network_is_created_again_before_the_containers_that_use_it()
    {
        var observed = Deployed(Shop).Without("shop-web-1") with { Networks = [] };

        var plan = Plan(Shop, observed);

        PlanAssert.Text("""
            shop: 2 to change
              +      create  network shop_default  network missing
              + web  create  shop-web-1            container missing
            """, plan);
        Assert.Equal([1], plan.Actions[1].DependsOn.AsEnumerable());
    }

    [Fact]
    public void Volumes_are_never_removed()
    {
        var withoutVolume = Project("shop", [Service("web"), Service("worker", image: "worker:1")], withVolume: false);

        PlanAssert.Text("shop: in sync", Plan(withoutVolume, Deployed(Shop)));

        // Not by this planner, not by any future one: there is no action that could say it.
        var actionTypes = typeof(PlanAction).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(PlanAction)));
        Assert.DoesNotContain(actionTypes, t => t.Name.Contains("Volume", StringComparison.Ordinal) && t != typeof(CreateVolume));
    }

    [Fact]
    public void A_missing_external_network_or_volume_is_reported()
    {
        var project = Shop with { ExternalNetworks = ["proxy"], ExternalVolumes = ["certs"] };

        var plan = Plan(project, Deployed(Shop));

        PlanAssert.Text("""
            shop: nothing to change, 2 errors
              ! error  network proxy  declared external but not found; create it (docker network create)
              ! error  volume certs   declared external but not found; create it (docker volume create)
            """, plan);
        Assert.True(plan.IsBlocked);

        var present = Deployed(Shop) with
        {
            Networks = Deployed(Shop).Networks.Add(new ObservedNetwork { Id = Id("proxy"), Name = "proxy", Driver = "bridge" }),
            Volumes = Deployed(Shop).Volumes.Add(new ObservedVolume { Name = "certs", Driver = "local" }),
        };
        PlanAssert.Text("shop: in sync", Plan(project, present));
    }

    [Fact]
    public void A_network_whose_driver_changed_is_reported_never_recreated()
    {
        var observed = Deployed(Shop) with { Networks = [.. Deployed(Shop).Networks.Select(n => n with { Driver = "macvlan" })] };

        var plan = Plan(Shop, observed);

        PlanAssert.Text("""
            shop: nothing to change, 1 error
              ! error  network shop_default  driver macvlan → bridge; Reconciler never recreates networks: remove it by hand to have it created anew
            """, plan);
    }

    [Fact]
    public void A_network_whose_options_changed_is_reported_when_the_observer_read_them()
    {
        var opts = ImmutableSortedDictionary<string, string>.Empty.Add("com.docker.network.bridge.name", "br-shop");
        var project = Shop with { Networks = Shop.Networks.SetItem("default", Shop.Networks["default"] with { DriverOpts = opts, Internal = true }) };
        var engineOptions = ImmutableSortedDictionary<string, string>.Empty
            .Add("com.docker.network.bridge.name", "br-old")
            .Add("com.docker.network.driver.mtu", "1500");

        var unread = Plan(project, Deployed(Shop));
        var read = Plan(project, Deployed(Shop) with { Networks = [.. Deployed(Shop).Networks.Select(n => n with { Options = engineOptions })] });

        PlanAssert.Text("""
            shop: nothing to change, 1 error
              ! error  network shop_default  internal false → true; Reconciler never recreates networks: remove it by hand to have it created anew
            """, unread);
        PlanAssert.Text("""
            shop: nothing to change, 1 error
              ! error  network shop_default  internal false → true; driver_opts.com.docker.network.bridge.name br-old → br-shop; Reconciler never recreates networks: remove it by hand to have it created anew
            """, read);
    }

    [Fact]
    public void A_volume_whose_driver_changed_is_reported_never_recreated()
    {
        var observed = Deployed(Shop) with { Volumes = [.. Deployed(Shop).Volumes.Select(v => v with { Driver = "nfs" })] };

        PlanAssert.Text("""
            shop: nothing to change, 1 error
              ! error  volume shop_data  driver nfs → local; Reconciler never recreates volumes (their data would be lost): migrate it by hand
            """, Plan(Shop, observed));
    }

    [Fact]
    public void A_network_of_the_wanted_name_made_by_someone_else_is_used_with_a_warning()
    {
        var observed = Deployed(Shop) with { Networks = [.. Deployed(Shop).Networks.Select(n => n with { Labels = ImmutableSortedDictionary<string, string>.Empty })] };

        PlanAssert.Text("""
            shop: in sync, 1 warning
              ! warning  network shop_default  exists but was not created by this project; used as-is (declare it external to say so)
            """, Plan(Shop, observed));
    }

    [Fact]
    public void Wanted_container_names_cover_every_replica_and_container_name()
    {
        var project = Project("shop", Service("web", replicas: 2), Service("proxy", containerName: "edge"), Service("idle", replicas: 0));

        Assert.Equal(["edge", "shop-web-1", "shop-web-2"], Planner.WantedContainerNames(project).AsEnumerable());
    }
}
