using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Reconciler.Configuration;
using Reconciler.Core.Policy;
using Reconciler.Daemon;

namespace Reconciler.Tests.Daemon;

/// <summary>When the daemon gives memory back: once start-up and each burst of deploys is over, never while stacks merely pass in sync.</summary>
public sealed class MemoryTrimTests
{
    private static readonly DaemonConfig Config = new()
    {
        Path = "/etc/reconciler/config.yaml",
        StateDir = "/var/lib/reconciler",
        Repos = [new RepoConfig { Name = "apps", Url = "https://git.example/apps.git", Branch = "main" }],
        Stacks = [new StackConfig { Name = "shop", Repo = "apps", Path = "shop" }, new StackConfig { Name = "blog", Repo = "apps", Path = "blog" }],
    };

    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    private readonly DaemonStatus _status;
    private readonly MemoryTrim _trim;

    public MemoryTrimTests()
    {
        _status = new DaemonStatus(_time) { ConfigLoaded = true, DockerReachable = true };
        _status.ExpectRepo("apps");
        _status.RepoFetched("apps", _time.GetUtcNow(), "c1");
        _trim = new MemoryTrim(_status, new ActiveStacks(Config), _time, NullLogger.Instance);
        _status.PassCompleted += (result, _) => _trim.Observe(result);
    }

    private void Pass(string stack, PassOutcome outcome) =>
        _status.StackPassed(new StackPassResult { Stack = stack, Commit = "c1", Outcome = outcome }, Trigger.Drift);

    [Fact]
    public void Start_up_is_trimmed_once_every_stack_has_passed_and_deploys_have_settled()
    {
        Pass("shop", PassOutcome.Applied);
        _time.Advance(MemoryTrim.Settle);
        Assert.False(_trim.TryTrim(releasePages: false)); // blog has not passed yet

        Pass("blog", PassOutcome.Applied);
        _time.Advance(MemoryTrim.Settle - TimeSpan.FromSeconds(1));
        Assert.False(_trim.TryTrim(releasePages: false)); // blog deployed 29 s ago
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(_trim.TryTrim(releasePages: false));
        Assert.Equal(1, _trim.Trims);
    }

    [Fact]
    public void Passes_in_sync_start_no_trim_and_a_later_deploy_starts_one_after_it_settles()
    {
        Pass("shop", PassOutcome.Noop);
        Pass("blog", PassOutcome.Noop);
        _time.Advance(MemoryTrim.Settle);
        Assert.True(_trim.TryTrim(releasePages: false));

        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            Pass("shop", PassOutcome.Noop);
            Pass("blog", PassOutcome.DriftReported);
            Assert.False(_trim.TryTrim(releasePages: false));
        }

        Pass("shop", PassOutcome.Applied);
        _time.Advance(TimeSpan.FromSeconds(20));
        Pass("shop", PassOutcome.Applied); // a rollout in steps: the settle time counts from the last
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.False(_trim.TryTrim(releasePages: false));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(_trim.TryTrim(releasePages: false));
        Assert.False(_trim.TryTrim(releasePages: false));
        Assert.Equal(2, _trim.Trims);
    }

    [Fact]
    public void A_stack_that_never_passes_does_not_hold_the_start_up_trim_forever()
    {
        Pass("shop", PassOutcome.Noop);
        _time.Advance(MemoryTrim.StartupLimit - TimeSpan.FromSeconds(1));
        Assert.False(_trim.TryTrim(releasePages: false));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(_trim.TryTrim(releasePages: false));
    }

    [Theory]
    [InlineData(12, 14, false)] // +2 MiB on a 12 MiB heap: not over the 2 MiB floor
    [InlineData(12, 15, true)]
    [InlineData(40, 45, false)] // an eighth of 40 MiB is 5
    [InlineData(40, 46, true)]
    public void A_full_collection_is_overdue_when_the_heap_outgrew_the_last_full_one(long afterFullMiB, long nowMiB, bool overdue) =>
        Assert.Equal(overdue, MemoryTrim.Overdue(nowMiB << 20, afterFullMiB << 20));
}
