namespace Reconciler.State.Tests;

/// <summary>The transitions are pure: these need no database.</summary>
public sealed class StackStateTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_new_stack_is_unknown_with_nothing_recorded()
    {
        var state = StackState.Initial("web");

        Assert.Equal(SyncStatus.Unknown, state.EffectiveStatus);
        Assert.Null(state.LastAppliedCommit);
        Assert.Empty(state.LastGoodImages);
        Assert.Empty(state.FailedCommits);
    }

    [Fact]
    public void Applying_clears_the_last_error_and_drift_and_stamps_the_success()
    {
        var state = StackState.Initial("web")
            .Failed(new StackError("boom") { Commit = "aaa" }, DeploymentResult.Failed, blockCommit: false)
            .OutOfSync("web: image changed")
            .Applied("bbb", DeploymentResult.Applied, Noon);

        Assert.Equal(SyncStatus.Synced, state.SyncStatus);
        Assert.Equal("bbb", state.LastAppliedCommit);
        Assert.Equal(DeploymentResult.Applied, state.LastResult);
        Assert.Null(state.LastError);
        Assert.Null(state.DriftSummary);
        Assert.Equal(Noon, state.LastSuccessAt);
    }

    [Fact]
    public void A_commit_that_failed_on_its_own_account_is_blocked_until_a_newer_one_becomes_healthy()
    {
        var failed = StackState.Initial("web")
            .Failed(new StackError("port 80 is not a number") { Commit = "bad", File = "compose.yaml", Line = 7 }, DeploymentResult.Failed, blockCommit: true);

        Assert.True(failed.IsFailedCommit("bad"));
        Assert.Equal(SyncStatus.Failed, failed.SyncStatus);

        var healed = failed
            .Applied("good", DeploymentResult.Applied, Noon)
            .BecameHealthy("good", new Dictionary<string, string> { ["web"] = "sha256:1" });

        Assert.False(healed.IsFailedCommit("bad"));
        Assert.Equal("good", healed.LastGoodCommit);
        Assert.Equal("sha256:1", healed.LastGoodImages["web"]);
    }

    [Fact]
    public void A_transient_failure_does_not_block_the_commit()
    {
        var state = StackState.Initial("web")
            .Failed(new StackError("engine unreachable") { Commit = "abc" }, DeploymentResult.Failed, blockCommit: false);

        Assert.False(state.IsFailedCommit("abc"));
    }

    [Fact]
    public void Suspension_shows_over_the_last_status_and_resuming_makes_it_unknown()
    {
        var suspended = StackState.Initial("web").Applied("abc", DeploymentResult.Noop, Noon).Suspend();

        Assert.Equal(SyncStatus.Suspended, suspended.EffectiveStatus);
        Assert.Equal(SyncStatus.Synced, suspended.SyncStatus);
        Assert.Equal(SyncStatus.Unknown, suspended.Resume().EffectiveStatus);
    }

    [Fact]
    public void States_with_equal_images_and_failed_commits_are_equal()
    {
        var a = StackState.Initial("web").BecameHealthy("c", new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });
        var b = StackState.Initial("web").BecameHealthy("c", new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, a.BecameHealthy("c", new Dictionary<string, string> { ["a"] = "9" }));
    }

    [Fact]
    public void The_images_of_the_last_good_commit_are_never_replaced_by_fewer()
    {
        var a = StackState.Initial("web").BecameHealthy("c", new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });

        var again = a.BecameHealthy("c", new Dictionary<string, string>()); // the observation found nothing
        var partly = a.BecameHealthy("c", new Dictionary<string, string> { ["a"] = "3" });
        var newer = a.BecameHealthy("d", new Dictionary<string, string> { ["a"] = "4" });

        Assert.Equal(a.LastGoodImages, again.LastGoodImages);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "3", ["b"] = "2" }, partly.LastGoodImages);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "4" }, newer.LastGoodImages);
    }

    [Fact]
    public void A_pull_is_recorded_per_reference_and_a_later_pull_moves_it_on()
    {
        var state = StackState.Initial("web")
            .Pulled(["app:1.0", "redis"], Noon)
            .Pulled(["app:1.0"], Noon.AddHours(2));

        Assert.Equal(Noon.AddHours(2), state.LastPulled["app:1.0"]);
        Assert.Equal(Noon, state.LastPulled["redis"]);
    }

    [Fact]
    public void A_reference_not_pulled_for_longer_than_the_pull_memory_is_forgotten_at_the_next_pull()
    {
        var state = StackState.Initial("web").Pulled(["app:1.0"], Noon).Pulled(["app:1.1"], Noon.AddDays(1));

        var justWithin = state.Pulled(["app:1.2"], Noon + StackState.PullMemory);
        var past = state.Pulled(["app:1.2"], Noon + StackState.PullMemory + TimeSpan.FromSeconds(1));

        Assert.Equal(["app:1.0", "app:1.1", "app:1.2"], justWithin.LastPulled.Keys);
        Assert.Equal(["app:1.1", "app:1.2"], past.LastPulled.Keys);
    }

    [Fact]
    public void States_with_equal_pulls_are_equal_and_a_different_pull_time_is_not()
    {
        var a = StackState.Initial("web").Pulled(["a", "b"], Noon);
        var b = StackState.Initial("web").Pulled(["b", "a"], Noon);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, a.Pulled(["a"], Noon.AddMinutes(1)));
        Assert.NotEqual(StackState.Initial("web"), a);
    }

    [Fact]
    public void An_error_prints_its_file_line_and_commit()
    {
        var error = new StackError("services.web.ports: invalid port") { Commit = "3f2a9c1", File = "compose.yaml", Line = 12 };

        Assert.Equal("compose.yaml:12: services.web.ports: invalid port (commit 3f2a9c1)", error.ToString());
        Assert.Equal("engine unreachable", new StackError("engine unreachable").ToString());
    }
}
