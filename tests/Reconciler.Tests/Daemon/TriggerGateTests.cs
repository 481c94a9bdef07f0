using Reconciler.Core.Policy;
using Reconciler.Daemon;

namespace Reconciler.Tests.Daemon;

/// <summary>How a stack's triggers are coalesced while a pass runs.</summary>
public sealed class TriggerGateTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_trigger_fired_before_the_wait_is_returned_by_it()
    {
        var gate = new TriggerGate();

        gate.Fire(Trigger.Poll);

        Assert.Equal(Trigger.Poll, await gate.WaitAsync(CancellationToken.None).WaitAsync(Patience));
    }

    [Fact]
    public async Task A_trigger_fired_during_the_wait_ends_it()
    {
        var gate = new TriggerGate();
        var waiting = gate.WaitAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        gate.Fire(Trigger.Drift);

        Assert.Equal(Trigger.Drift, await waiting.WaitAsync(Patience));
    }

    [Fact]
    public async Task Triggers_fired_while_nobody_waits_make_one_wake_up_with_the_most_urgent()
    {
        var gate = new TriggerGate();

        gate.Fire(Trigger.Drift);
        gate.Fire(Trigger.Webhook);
        gate.Fire(Trigger.Poll);

        Assert.Equal(Trigger.Webhook, await gate.WaitAsync(CancellationToken.None).WaitAsync(Patience));
        var second = gate.WaitAsync(CancellationToken.None);
        await FakeClock.LetLoopsRunAsync();
        Assert.False(second.IsCompleted, "a second wake-up for the same burst");
    }

    [Theory]
    [InlineData(Trigger.Drift, Trigger.Poll, Trigger.Poll)]
    [InlineData(Trigger.Poll, Trigger.Startup, Trigger.Startup)]
    [InlineData(Trigger.Startup, Trigger.Webhook, Trigger.Webhook)]
    [InlineData(Trigger.Webhook, Trigger.Manual, Trigger.Manual)]
    [InlineData(Trigger.Manual, Trigger.Drift, Trigger.Manual)]
    [InlineData(Trigger.Webhook, Trigger.Poll, Trigger.Webhook)]
    public async Task The_more_urgent_of_two_triggers_wins_whatever_their_order(Trigger first, Trigger second, Trigger expected)
    {
        var gate = new TriggerGate();

        gate.Fire(first);
        gate.Fire(second);

        Assert.Equal(expected, await gate.WaitAsync(CancellationToken.None).WaitAsync(Patience));
    }

    [Fact]
    public async Task A_trigger_after_a_wake_up_makes_another()
    {
        var gate = new TriggerGate();
        gate.Fire(Trigger.Webhook);
        await gate.WaitAsync(CancellationToken.None).WaitAsync(Patience);

        gate.Fire(Trigger.Drift);

        Assert.Equal(Trigger.Drift, await gate.WaitAsync(CancellationToken.None).WaitAsync(Patience));
    }

    [Fact]
    public async Task Cancelling_the_wait_ends_it_and_keeps_a_later_trigger()
    {
        var gate = new TriggerGate();
        using var stop = new CancellationTokenSource();
        var waiting = gate.WaitAsync(stop.Token);

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience));
        gate.Fire(Trigger.Poll);
        Assert.Equal(Trigger.Poll, await gate.WaitAsync(CancellationToken.None).WaitAsync(Patience));
    }

    [Fact]
    public async Task Many_threads_firing_at_once_wake_the_waiter_once()
    {
        var gate = new TriggerGate();

        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => gate.Fire(i % 2 == 0 ? Trigger.Drift : Trigger.Poll))));

        Assert.Equal(Trigger.Poll, await gate.WaitAsync(CancellationToken.None).WaitAsync(Patience));
        var again = gate.WaitAsync(CancellationToken.None);
        await FakeClock.LetLoopsRunAsync();
        Assert.False(again.IsCompleted);
    }
}
