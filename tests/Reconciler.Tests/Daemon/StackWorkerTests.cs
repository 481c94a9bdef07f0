using Reconciler.Core.Policy;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Reconciler.Configuration;
using Reconciler.Daemon;

namespace Reconciler.Tests.Daemon;

/// <summary>The stack loop's timing on a fake clock: drift ticks, coalescing, retries with backoff.</summary>
public sealed class StackWorkerTests : IAsyncDisposable
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    private readonly CancellationTokenSource _stop = new();
    private readonly ScriptedPass _pass = new(new StackConfig { Name = "shop", Repo = "apps", Path = "shop", DriftInterval = TimeSpan.FromSeconds(60) });
    private readonly StackWorker _worker;
    private readonly Task _loop;

    private int _completed;

    public StackWorkerTests()
    {
        var status = new DaemonStatus(_time);
        status.PassCompleted += (_, _) => Interlocked.Increment(ref _completed);
        _worker = new StackWorker(_pass, status, new Heartbeats(_time), _time, NullLogger.Instance);
        _loop = _worker.RunAsync(_stop.Token);
    }

    /// <summary>Until <paramref name="count"/> passes have completed (and any retry they asked for is scheduled).</summary>
    private async Task CompletedAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Volatile.Read(ref _completed) < count && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.True(Volatile.Read(ref _completed) >= count, $"expected {count} completed passes, saw {_completed}");
    }

    [Fact]
    public async Task A_drift_pass_runs_once_per_drift_interval()
    {
        await AdvanceAsync(TimeSpan.FromSeconds(59));
        Assert.Empty(_pass.Triggers);

        await AdvanceAsync(TimeSpan.FromSeconds(1));
        await CompletedAsync(1);
        await AdvanceAsync(TimeSpan.FromSeconds(60));
        await CompletedAsync(2);

        Assert.Equal([Trigger.Drift, Trigger.Drift], _pass.Triggers);
    }

    [Fact]
    public async Task Triggers_arriving_during_a_pass_make_one_more_pass_with_the_most_urgent_reason()
    {
        _pass.Hold();
        _worker.Fire(Trigger.Poll);
        await _pass.WaitStartedAsync(1);
        _worker.Fire(Trigger.Drift);
        _worker.Fire(Trigger.Webhook);
        _worker.Fire(Trigger.Poll);
        _pass.Release();

        await CompletedAsync(2);
        await AdvanceAsync(TimeSpan.FromSeconds(1)); // nothing more is pending

        Assert.Equal([Trigger.Poll, Trigger.Webhook], _pass.Triggers);
    }

    [Fact]
    public async Task A_transient_failure_is_retried_after_10_s_then_backing_off()
    {
        _pass.Next(PassOutcome.Failed, transient: true);
        _pass.Next(PassOutcome.Failed, transient: true);
        _worker.Fire(Trigger.Poll);
        await CompletedAsync(1);

        await AdvanceAsync(TimeSpan.FromSeconds(9));
        Assert.Single(_pass.Triggers);
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        await CompletedAsync(2); // the first retry, 10 s later
        await AdvanceAsync(TimeSpan.FromSeconds(19));
        Assert.Equal(2, _pass.Triggers.Count);
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        await CompletedAsync(3); // the second, 20 s after that

        Assert.Equal(3, _pass.Triggers.Count);
    }

    [Fact]
    public async Task A_failure_of_the_commit_itself_is_not_retried_before_the_next_drift_tick()
    {
        _pass.Next(PassOutcome.Failed, transient: false);
        _worker.Fire(Trigger.Poll);
        await CompletedAsync(1);

        await AdvanceAsync(TimeSpan.FromSeconds(55));

        Assert.Single(_pass.Triggers);
    }

    [Fact]
    public async Task A_pass_that_throws_is_reported_as_failed_and_the_loop_goes_on()
    {
        _pass.NextThrows(new InvalidOperationException("a bug"));
        _worker.Fire(Trigger.Poll);
        await CompletedAsync(1);
        await AdvanceAsync(TimeSpan.FromSeconds(10)); // a crash is retried like transient trouble
        await CompletedAsync(2);

        Assert.Equal([Trigger.Poll, Trigger.Drift], _pass.Triggers);
    }

    [Fact]
    public async Task A_failure_while_a_retry_waits_does_not_schedule_another()
    {
        for (var i = 0; i < 3; i++) _pass.Next(PassOutcome.Failed, transient: true);
        _worker.Fire(Trigger.Poll);
        await CompletedAsync(1); // a retry is due 10 s later
        _worker.Fire(Trigger.Poll);
        await CompletedAsync(2); // fails too: a second retry would come 20 s later

        await AdvanceAsync(TimeSpan.FromSeconds(10));
        await CompletedAsync(3); // the one retry; failing a third time, the next is 40 s later
        await AdvanceAsync(TimeSpan.FromSeconds(39));
        Assert.Equal(3, _pass.Triggers.Count);
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        await CompletedAsync(4);

        Assert.Equal([Trigger.Poll, Trigger.Poll, Trigger.Drift, Trigger.Drift], _pass.Triggers);
    }

    [Fact]
    public async Task A_pass_that_succeeds_resets_the_backoff()
    {
        _pass.Next(PassOutcome.Failed, transient: true);
        _pass.Next(PassOutcome.Failed, transient: true);
        _pass.Next(PassOutcome.Applied, transient: false);
        _pass.Next(PassOutcome.Failed, transient: true);
        _worker.Fire(Trigger.Poll);
        await CompletedAsync(1);
        await AdvanceAsync(TimeSpan.FromSeconds(10));
        await CompletedAsync(2); // failed again: the next retry 20 s later
        await AdvanceAsync(TimeSpan.FromSeconds(20));
        await CompletedAsync(3); // applied

        _worker.Fire(Trigger.Poll);
        await CompletedAsync(4); // failed: retried after 10 s again, not 40 s
        await AdvanceAsync(TimeSpan.FromSeconds(9));
        Assert.Equal(4, _pass.Triggers.Count);
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        await CompletedAsync(5);
    }

    [Fact]
    public async Task An_engine_event_wakes_a_drift_pass_at_once_and_after_a_repair_the_next_waits_one_second_then_two()
    {
        _pass.NextActed();
        _worker.FireEvent();
        await CompletedAsync(1);

        // The repair's own events (or a container that dies again at once) wait 1 s…
        _pass.NextActed();
        _worker.FireEvent();
        await Task.Delay(100);
        Assert.Single(_pass.Triggers);
        _time.Advance(TimeSpan.FromSeconds(1));
        await CompletedAsync(2);

        // …then 2 s after a second repair in a row.
        _worker.FireEvent();
        _time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(100);
        Assert.Equal(2, _pass.Triggers.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        await CompletedAsync(3);

        // That pass found nothing to do: the next event is served at once again.
        _worker.FireEvent();
        await CompletedAsync(4);
        Assert.Equal([Trigger.Drift, Trigger.Drift, Trigger.Drift, Trigger.Drift], _pass.Triggers);
    }

    /// <summary>Moves the clock in steps, letting the loop's continuations run between them.</summary>
    private async Task AdvanceAsync(TimeSpan by)
    {
        for (var left = by; left > TimeSpan.Zero; left -= Step)
        {
            _time.Advance(left < Step ? left : Step);
            await Task.Delay(20);
        }
        await Task.Delay(50);
    }

    public async ValueTask DisposeAsync()
    {
        _pass.Release();
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    /// <summary>A pass that records its triggers and returns scripted outcomes (no-op by default).</summary>
    private sealed class ScriptedPass(StackConfig stack) : IStackPass
    {
        private readonly ConcurrentQueue<Func<StackPassResult>> _script = new();
        private readonly ConcurrentQueue<Trigger> _triggers = new();
        private readonly SemaphoreSlim _started = new(0);
        private TaskCompletionSource _gate = Open();

        public StackConfig Stack => stack;
        public IReadOnlyList<Trigger> Triggers => [.. _triggers];

        public void Next(PassOutcome outcome, bool transient) =>
            _script.Enqueue(() => new StackPassResult { Stack = stack.Name, Outcome = outcome, Transient = transient, Error = "scripted" });

        /// <summary>The next pass repairs something (self-heal ran an action).</summary>
        public void NextActed() =>
            _script.Enqueue(() => new StackPassResult { Stack = stack.Name, Outcome = PassOutcome.Applied, Done = [("web", "start")] });

        public void NextThrows(Exception e) => _script.Enqueue(() => throw e);

        public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _gate.TrySetResult();

        public async Task<StackPassResult> ReconcileAsync(Trigger trigger, CancellationToken ct)
        {
            _started.Release();
            await _gate.Task.WaitAsync(ct);
            _triggers.Enqueue(trigger);
            return _script.TryDequeue(out var next) ? next() : new StackPassResult { Stack = stack.Name, Outcome = PassOutcome.Noop };
        }

        public async Task WaitStartedAsync(int count)
        {
            for (var i = 0; i < count; i++) Assert.True(await _started.WaitAsync(TimeSpan.FromSeconds(10)), "the pass did not start");
        }

        private static TaskCompletionSource Open()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }
    }
}
