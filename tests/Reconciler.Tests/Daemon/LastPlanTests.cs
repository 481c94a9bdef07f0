using System.Collections.Immutable;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;
using Reconciler.Core.Planning;
using Reconciler.Daemon;

namespace Reconciler.Tests.Daemon;

/// <summary>A stack's last plan is reused only for the very same question.</summary>
public sealed class LastPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private static DesiredProject Project(string pullPolicy) => new()
    {
        Name = "shop",
        WorkingDir = "/srv/shop",
        Services = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
        [
            KeyValuePair.Create("web", new DesiredService
            {
                Name = "web",
                Image = "registry.test/web:1.0",
                PullPolicy = pullPolicy,
                Replicas = 1,
                ConfigHash = "0123456789abcdef",
                StopGracePeriod = TimeSpan.FromSeconds(10),
                Template = new ContainerSpec { Name = "", Image = "registry.test/web:1.0", Host = new HostSpec { NetworkMode = "default" } },
            }),
        ]),
    };

    private static ObservedState Observed() => new()
    {
        LocalImages = ImmutableSortedDictionary<string, string>.Empty.Add("registry.test/web:1.0", "sha256:aa"),
    };

    [Fact]
    public void The_same_inputs_reuse_the_plan_at_a_later_time_and_anything_rebuilt_plans_anew()
    {
        var last = new LastPlan();
        var desired = Project("missing");
        var observed = Observed();
        var options = new PlanOptions { Now = Now };

        var first = last.PlanOrReuse(desired, observed, options);
        Assert.Same(first, last.PlanOrReuse(desired, observed, options with { Now = Now.AddMinutes(5) }));

        // An equal but rebuilt observed state, or other options: planned again.
        Assert.NotSame(first, last.PlanOrReuse(desired, Observed(), options));
        var again = last.PlanOrReuse(desired, observed, options);
        Assert.NotSame(again, last.PlanOrReuse(desired, observed, options with { PullAlways = true }));
        Assert.NotSame(again, last.PlanOrReuse(desired, observed, options with { RemoveOrphans = true }));
    }

    [Fact]
    public void A_time_based_pull_policy_plans_again_when_the_time_moves()
    {
        var last = new LastPlan();
        var desired = Project("daily");
        var observed = Observed();
        var pulled = new Dictionary<string, DateTimeOffset> { ["registry.test/web:1.0"] = Now };
        var options = new PlanOptions { Now = Now, LastPulled = pulled };

        var fresh = last.PlanOrReuse(desired, observed, options);
        Assert.DoesNotContain(fresh.Actions, a => a is PullImage);
        Assert.Same(fresh, last.PlanOrReuse(desired, observed, options));

        // A day later the same inputs must pull: a reused plan would not.
        var dayLater = last.PlanOrReuse(desired, observed, options with { Now = Now.AddDays(1) });
        Assert.Contains(dayLater.Actions, a => a is PullImage);
    }
}
