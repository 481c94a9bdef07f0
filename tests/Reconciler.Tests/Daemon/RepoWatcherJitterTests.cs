using Reconciler.Daemon;

namespace Reconciler.Tests.Daemon;

/// <summary>The poll jitter that keeps agents started together from asking the git server in lock-step.</summary>
public sealed class RepoWatcherJitterTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(0.0, 27.0)]
    [InlineData(0.5, 30.0)]
    [InlineData(0.999999, 33.0)]
    public void Each_wait_is_the_interval_within_ten_percent(double draw, double seconds) =>
        Assert.Equal(seconds, RepoWatcher.Jittered(Interval, RepoWatcher.DefaultJitter, draw).TotalSeconds, precision: 3);

    [Fact]
    public void Without_jitter_the_wait_is_the_interval() =>
        Assert.Equal(Interval, RepoWatcher.Jittered(Interval, 0, 0.9));

    [Fact]
    public void Hundred_agents_started_together_spread_their_checks_over_the_window()
    {
        var random = new Random(16);
        var waits = Enumerable.Range(0, 100).Select(_ => RepoWatcher.Jittered(Interval, RepoWatcher.DefaultJitter, random.NextDouble()).TotalSeconds).ToList();

        Assert.All(waits, w => Assert.InRange(w, 27, 33));
        // In whole seconds, no one second holds more than a quarter of them.
        Assert.True(waits.GroupBy(w => (int)w).Max(g => g.Count()) <= 25, string.Join(", ", waits));
    }
}
