using Reconciler.Configuration;
using Reconciler.Core.Policy;
using Reconciler.Forge;
using Reconciler.Notifications;

namespace Reconciler.Tests.Notifications;

/// <summary>Which events and deploy statuses a finished pass is: one test per rule of <see cref="PassEvents"/> and <see cref="DeployStatuses"/>.</summary>
public sealed class PassEventsTests
{
    private const string A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static StackPassResult Pass(PassOutcome outcome, string? commit = B) => new() { Stack = "shop", Outcome = outcome, Commit = commit };

    private static (List<string> Kinds, StackMemory Next) Run(StackPassResult r, StackMemory? before = null)
    {
        var (events, next) = PassEvents.Of(r, before ?? StackMemory.Empty, "host1", At);
        return ([.. events.Select(e => e.Kind)], next);
    }

    [Fact]
    public void An_applied_new_commit_is_deployed_and_an_applied_repair_of_the_running_commit_is_drift_healed()
    {
        var (kinds, next) = Run(Pass(PassOutcome.Applied), new StackMemory { InSyncCommit = A });
        Assert.Equal([NotificationKinds.Deployed], kinds);
        var repair = Pass(PassOutcome.Applied) with { Drift = [new DriftItem("web", "stopped", [])] };
        var (healed, _) = PassEvents.Of(repair, next, "host1", At);
        Assert.Equal(NotificationKinds.DriftHealed, Assert.Single(healed).Kind);
        Assert.Equal("web: stopped", healed[0].Reason);
    }

    [Fact]
    public void A_rollback_is_told_once_and_the_held_passes_after_it_are_not()
    {
        var rolled = Pass(PassOutcome.Failed) with { RolledBack = true, RolledBackTo = A, Error = "rollout failed: web exited with code 3; rolled back to aaaaaaaaaaaa" };
        var (kinds, next) = Run(rolled, new StackMemory { InSyncCommit = A });
        Assert.Equal([NotificationKinds.RolledBack], kinds);
        var (after, _) = Run(Pass(PassOutcome.Failed) with { Held = true, Repeated = true }, next);
        Assert.Empty(after);
    }

    [Fact]
    public void Holding_is_told_when_it_begins_and_not_on_every_pass()
    {
        var held = Pass(PassOutcome.Failed) with { Held = true, Repeated = true, Error = "compose.yaml:4: bad" };
        var (first, next) = Run(held);
        Assert.Equal([NotificationKinds.Held], first);
        Assert.Empty(Run(held, next).Kinds);
    }

    [Fact]
    public void A_failure_is_told_unless_the_pass_only_repeats_a_recorded_one()
    {
        Assert.Equal([NotificationKinds.Failed], Run(Pass(PassOutcome.Failed) with { Error = "x" }).Kinds);
        Assert.Empty(Run(Pass(PassOutcome.Failed) with { Error = "x", Repeated = true }).Kinds);
    }

    [Fact]
    public void Drift_left_alone_is_told_when_it_changes()
    {
        var drift = Pass(PassOutcome.DriftReported) with { Drift = [new DriftItem("web", "stopped", []), new DriftItem("db", "image", ["image"])] };
        var (first, next) = Run(drift);
        Assert.Equal([NotificationKinds.DriftDetected], first);
        Assert.Empty(Run(drift, next).Kinds);
        var more = drift with { Drift = [.. drift.Drift, new DriftItem("cache", "missing", [])] };
        Assert.Equal([NotificationKinds.DriftDetected], Run(more, next).Kinds);
        Assert.Equal("db: image, web: stopped", PassEvents.DriftText(drift.Drift));
    }

    [Fact]
    public void Noop_and_waiting_passes_tell_nothing()
    {
        Assert.Empty(Run(Pass(PassOutcome.Noop)).Kinds);
        Assert.Empty(Run(Pass(PassOutcome.Waiting, commit: null)).Kinds);
    }

    [Fact]
    public void Deploy_statuses_say_success_failure_with_the_reason_and_the_rollback_target()
    {
        var ok = DeployStatuses.For(Pass(PassOutcome.Applied), "host1")!;
        Assert.Equal(("reconciler/host1/shop", CommitState.Success, "deployed on host1"), (ok.Context, ok.State, ok.Description));
        var failed = DeployStatuses.For(Pass(PassOutcome.Failed) with { Error = "compose.yaml:4: bad" }, "host1")!;
        Assert.Equal((CommitState.Failure, "failed on host1: compose.yaml:4: bad"), (failed.State, failed.Description));
        var rolled = DeployStatuses.For(Pass(PassOutcome.Failed) with { RolledBack = true, RolledBackTo = A, Error = "web exited" }, "host1")!;
        Assert.Equal("rolled back to aaaaaaa on host1: web exited", rolled.Description);
        Assert.Null(DeployStatuses.For(Pass(PassOutcome.Failed) with { Held = true, Repeated = true }, "host1"));
        Assert.Null(DeployStatuses.For(Pass(PassOutcome.DriftReported), "host1"));
        Assert.Equal(CommitState.Pending, DeployStatuses.Pending("host1", "shop").State);
    }
}
