using Reconciler.Daemon;

namespace Reconciler.Tests.Daemon;

/// <summary>Which loops the watchdog counts as stalled, on a fake clock.</summary>
public sealed class HeartbeatsTests
{
    private readonly FakeClock _time = new();
    private readonly Heartbeats _beats;

    public HeartbeatsTests() => _beats = new Heartbeats(_time);

    [Fact]
    public void A_loop_is_stalled_only_once_its_window_has_passed_without_a_beat()
    {
        _beats.Beat("repo:infra", TimeSpan.FromMinutes(3));

        _time.Advance(TimeSpan.FromMinutes(3));
        Assert.Empty(_beats.Stalled());

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["repo:infra"], _beats.Stalled());
    }

    [Fact]
    public void A_beat_opens_a_new_window()
    {
        _beats.Beat("stack:shop", TimeSpan.FromMinutes(1));
        _time.Advance(TimeSpan.FromSeconds(50));

        _beats.Beat("stack:shop", TimeSpan.FromMinutes(1));
        _time.Advance(TimeSpan.FromSeconds(50));

        Assert.Empty(_beats.Stalled());
    }

    [Fact]
    public void Each_loop_has_its_own_window_and_a_removed_loop_is_not_watched()
    {
        _beats.Beat("docker-ping", TimeSpan.FromMinutes(2));
        _beats.Beat("stack:shop", TimeSpan.FromMinutes(10));
        _beats.Beat("stack:gone", TimeSpan.FromMinutes(1));
        _beats.Remove("stack:gone");

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(["docker-ping"], _beats.Stalled());
    }
}
