using Reconciler.Core.Policy;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Git;
using Reconciler.State;

namespace Reconciler.Daemon;

/// <summary>
/// Keeps one repo's mirror current: on each interval (or when a webhook pokes it) asks the remote
/// for the branch head — cheap, no fetch — and fetches only when it moved; then wakes the stacks
/// of that repo. Errors back off exponentially and never end the loop. Every wait is on
/// <paramref name="time"/>, so the loop's timing is tested on a fake clock.
/// </summary>
public sealed partial class RepoWatcher(
    RepoConfig repo,
    IRepositoryMirror mirror,
    IStateStore store,
    DaemonStatus status,
    Heartbeats heartbeats,
    TimeProvider time,
    ILogger logger,
    HeadVerification? verification = null)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);
    private readonly TriggerGate _poke = new();
    private readonly List<Action<Trigger>> _listeners = [];

    public RepoConfig Repo => repo;

    /// <summary>What the daemon uses for <see cref="Jitter"/>: each wait is the interval ±10 %.</summary>
    public const double DefaultJitter = 0.1;

    /// <summary>
    /// How far each wait between checks may stray from the interval, as a fraction (0.1: ±10 %, drawn
    /// anew each time), so that agents started together drift apart instead of asking the git server
    /// in the same second forever. 0 (the default here) keeps the interval exact; webhooks and
    /// backoff after failures are never jittered.
    /// </summary>
    public double Jitter { get; init; }

    public void OnNewCommit(Action<Trigger> listener) => _listeners.Add(listener);

    /// <summary>A webhook arrived: check now instead of at the next interval.</summary>
    public void Poke() => _poke.Fire(Trigger.Webhook);

    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        var loopName = $"repo:{repo.Name}";
        var first = true;
        var woke = Trigger.Poll;
        while (!ct.IsCancellationRequested)
        {
            var trigger = first ? Trigger.Startup : woke;
            woke = Trigger.Poll;
            var delay = Jittered(repo.Interval, Jitter, Random.Shared.NextDouble());
            try
            {
                var moved = await CheckAsync(ct).ConfigureAwait(false);
                failures = 0;
                status.RepoFetched(repo.Name, time.GetUtcNow(), mirror.GetLocalHead());
                // verify: the head's verdict is recorded (log, metric, /status) as soon as it is fetched.
                if (verification is not null && mirror.GetLocalHead() is { } fetchedHead) verification.Check(fetchedHead);
                if (moved || first) Notify(trigger);
                first = false;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                delay = Backoff(failures);
                status.RepoFailed(repo.Name, e.Message);
                status.CountFetch(repo.Name, "failed");
                Log.FetchFailed(logger, repo.Name, failures, delay.TotalSeconds, e.Message);
                // A mirror from an earlier run can still serve the stacks while the remote is away.
                if (first && mirror.GetLocalHead() is not null) { Notify(Trigger.Startup); first = false; }
            }
            heartbeats.Beat(loopName, delay + repo.Interval + TimeSpan.FromMinutes(2));
            using var interval = new CancellationTokenSource(delay, time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, interval.Token);
            try
            {
                woke = await _poke.WaitAsync(wait.Token).ConfigureAwait(false);
                if (woke == Trigger.Webhook) Log.Poked(logger, repo.Name);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // the interval elapsed
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> CheckAsync(CancellationToken ct)
    {
        var local = mirror.GetLocalHead();
        RemoteHead? remote = null;
        if (local is not null)
        {
            remote = await mirror.GetRemoteHeadAsync(ct).ConfigureAwait(false);
            if (remote.Sha == local)
            {
                status.CountFetch(repo.Name, "unchanged");
                // The mirror is as current as a fetch would make it: recorded as one, so `reconciler
                // status` tells how long the remote has been unreachable, not when the head last moved.
                await RecordFetchAsync(local, ct).ConfigureAwait(false);
                return false;
            }
        }
        // The head just seen is passed on: a new commit costs one ls-remote, not two.
        var fetched = await mirror.FetchAsync(remote, ct).ConfigureAwait(false);
        status.CountFetch(repo.Name, "fetched");
        await RecordFetchAsync(fetched.Sha, ct).ConfigureAwait(false);
        if (fetched.Moved) Log.NewCommit(logger, repo.Name, StackReconciler.Short(fetched.Sha), fetched.Commit.AuthorName, fetched.Commit.Subject);
        return fetched.Moved;
    }

    private async Task RecordFetchAsync(string head, CancellationToken ct)
    {
        try
        {
            await store.RecordFetchAsync(repo.Name, head, ct).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException e)
        {
            Log.StateUnavailable(logger, repo.Name, e.Message);
        }
    }

    private void Notify(Trigger trigger)
    {
        foreach (var l in _listeners) l(trigger);
    }

    /// <summary>The wait for a draw <paramref name="unit"/> in [0, 1): <paramref name="interval"/> × (1 ± <paramref name="jitter"/>).</summary>
    internal static TimeSpan Jittered(TimeSpan interval, double jitter, double unit) =>
        jitter <= 0 ? interval : TimeSpan.FromTicks((long)(interval.Ticks * (1 + jitter * (2 * unit - 1))));

    internal static TimeSpan Backoff(int failures) =>
        TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(failures, 10))));

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Warning, "repo={Repo} fetch failed ({Failures} in a row), retrying in {Seconds:0}s: {Error}")]
        public static partial void FetchFailed(ILogger logger, string repo, int failures, double seconds, string error);

        [LoggerMessage(21, LogLevel.Information, "repo={Repo} new commit {Commit} by {Author}: {Subject}")]
        public static partial void NewCommit(ILogger logger, string repo, string commit, string author, string subject);

        [LoggerMessage(22, LogLevel.Information, "repo={Repo} webhook received, checking now")]
        public static partial void Poked(ILogger logger, string repo);

        [LoggerMessage(23, LogLevel.Warning, "repo={Repo} state store unavailable: {Error}")]
        public static partial void StateUnavailable(ILogger logger, string repo, string error);
    }
}
