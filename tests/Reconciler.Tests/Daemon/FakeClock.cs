using Microsoft.Extensions.Time.Testing;

namespace Reconciler.Tests.Daemon;

/// <summary>
/// A fake clock that counts the timers the code under test creates (every <c>Task.Delay(d, time, ct)</c>
/// and every <c>new CancellationTokenSource(d, time)</c> is one). A loop that has created its n-th
/// timer is waiting: the test can move the clock knowing the wait started at the time it expects,
/// instead of guessing with a real sleep.
/// </summary>
internal sealed class FakeClock() : FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000))
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private int _timers;

    public int TimersCreated => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _timers);
        return timer;
    }

    /// <summary>Until <paramref name="count"/> timers exist in all (or <paramref name="done"/> has ended first).</summary>
    public Task WaitForTimersAsync(int count, Task? done = null) =>
        UntilAsync(() => TimersCreated >= count || done?.IsCompleted == true, $"{count} timers created (saw {TimersCreated})");

    /// <summary>Polls <paramref name="condition"/> every few milliseconds of real time; fails after 10 s.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}");
            await Task.Delay(5);
        }
    }

    /// <summary>
    /// Lets a loop that was wrongly woken show itself before the test asserts that it was not: the
    /// shortest real pause that still gives a thread-pool continuation the time to run.
    /// </summary>
    public static Task LetLoopsRunAsync() => Task.Delay(50);
}
