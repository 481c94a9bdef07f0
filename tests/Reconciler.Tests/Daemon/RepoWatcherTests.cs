using Reconciler.Core.Policy;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Reconciler.Configuration;
using Reconciler.Daemon;
using Reconciler.Git;
using Reconciler.State;

namespace Reconciler.Tests.Daemon;

/// <summary>
/// The repo loop's timing on a fake clock, against a scripted mirror: one head check per interval,
/// a fetch only when the head moved, backoff while the remote fails, a webhook that checks at once.
/// Each loop turn creates one timer (its wait), so "n timers" means "n checks done, now waiting".
/// </summary>
public sealed class RepoWatcherTests : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private readonly FakeClock _time = new();
    private readonly ScriptedMirror _mirror = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("reconciler-watcher-test-").FullName;
    private readonly SqliteStateStore _store;
    private readonly DaemonStatus _status;
    private readonly ConcurrentQueue<Trigger> _woken = new();
    private readonly CancellationTokenSource _stop = new();
    private RepoWatcher? _watcher;
    private Task _loop = Task.CompletedTask;

    public RepoWatcherTests()
    {
        _store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = _dir }, _time);
        _status = new DaemonStatus(_time);
    }

    private RepoWatcher Start(TimeSpan interval)
    {
        var repo = new RepoConfig { Name = "infra", Url = "https://git.example/infra.git", Interval = interval };
        _status.ExpectRepo(repo.Name);
        _watcher = new RepoWatcher(repo, _mirror, _store, _status, new Heartbeats(_time), _time, NullLogger.Instance);
        _watcher.OnNewCommit(_woken.Enqueue);
        _loop = Task.Run(() => _watcher.RunAsync(_stop.Token));
        return _watcher;
    }

    private RepoStatus Repo => Assert.Single(_status.Repos);

    [Fact]
    public async Task Checks_the_remote_head_once_per_interval_and_fetches_nothing_while_it_stays()
    {
        _mirror.Local = _mirror.Remote = "aaa";
        Start(Interval);
        await _time.WaitForTimersAsync(1);
        Assert.Equal(1, _mirror.HeadChecks);

        _time.Advance(Interval - TimeSpan.FromSeconds(1));
        await FakeClock.LetLoopsRunAsync();
        Assert.Equal(1, _mirror.HeadChecks);

        _time.Advance(TimeSpan.FromSeconds(1));
        await _time.WaitForTimersAsync(2);
        Assert.Equal(2, _mirror.HeadChecks);
        Assert.Equal(0, _mirror.Fetches);
        Assert.Equal([Trigger.Startup], _woken);
        // An unchanged head counts as a fetch: status tells when the remote last answered.
        Assert.Equal(_time.GetUtcNow(), Repo.LastFetch);
    }

    [Fact]
    public async Task A_new_head_is_fetched_once_and_wakes_the_stacks()
    {
        _mirror.Local = _mirror.Remote = "aaa";
        Start(Interval);
        await _time.WaitForTimersAsync(1);

        _mirror.Remote = "bbb";
        _time.Advance(Interval);
        await _time.WaitForTimersAsync(2);

        Assert.Equal([Trigger.Startup, Trigger.Poll], _woken);
        Assert.Equal(1, _mirror.Fetches);
        Assert.Equal(2, _mirror.HeadChecks);
        // The head the check saw goes into the fetch: one ls-remote per new commit, not two.
        Assert.Equal("bbb", _mirror.HeadPassedToFetch?.Sha);
        Assert.Equal("bbb", Repo.Head);
        Assert.Equal("bbb", (await _store.GetRepoAsync("infra", CancellationToken.None))?.HeadCommit);
    }

    [Fact]
    public async Task Retries_after_the_backoff_when_the_fetch_fails()
    {
        _mirror.Local = _mirror.Remote = "aaa";
        _mirror.Down = true;
        Start(Interval);
        await _time.WaitForTimersAsync(1);
        Assert.NotNull(Repo.LastError);

        // 2 s after the first failure, 4 s after the second: not at the interval, and not sooner.
        foreach (var (backoff, checks) in new[] { (2, 2), (4, 3) })
        {
            _time.Advance(TimeSpan.FromSeconds(backoff) - TimeSpan.FromMilliseconds(100));
            await FakeClock.LetLoopsRunAsync();
            Assert.Equal(checks - 1, _mirror.HeadChecks);
            _time.Advance(TimeSpan.FromMilliseconds(100));
            await _time.WaitForTimersAsync(checks);
            Assert.Equal(checks, _mirror.HeadChecks);
        }

        // Back: the next check (8 s later) succeeds, clears the error, and the interval applies again.
        _mirror.Down = false;
        _time.Advance(TimeSpan.FromSeconds(8));
        await _time.WaitForTimersAsync(4);
        Assert.Equal(4, _mirror.HeadChecks);
        Assert.Null(Repo.LastError);
        _time.Advance(TimeSpan.FromSeconds(8));
        await FakeClock.LetLoopsRunAsync();
        Assert.Equal(4, _mirror.HeadChecks);
        _time.Advance(Interval - TimeSpan.FromSeconds(8));
        await _time.WaitForTimersAsync(5);
        Assert.Equal(5, _mirror.HeadChecks);
    }

    [Fact]
    public async Task The_backoff_stops_growing_at_five_minutes()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), RepoWatcher.Backoff(1));
        Assert.Equal(TimeSpan.FromSeconds(256), RepoWatcher.Backoff(8));
        Assert.Equal(TimeSpan.FromMinutes(5), RepoWatcher.Backoff(9));
        Assert.Equal(TimeSpan.FromMinutes(5), RepoWatcher.Backoff(1000));

        // And the loop keeps going at that pace, however long the remote is away.
        _mirror.Local = "aaa";
        _mirror.Down = true;
        Start(Interval);
        for (var turn = 1; turn <= 12; turn++)
        {
            await _time.WaitForTimersAsync(turn);
            _time.Advance(RepoWatcher.Backoff(turn));
        }
        await _time.WaitForTimersAsync(13);
        Assert.Equal(13, _mirror.HeadChecks);
    }

    [Fact]
    public async Task A_webhook_checks_at_once_and_wakes_the_stacks_as_a_webhook()
    {
        _mirror.Local = _mirror.Remote = "aaa";
        var watcher = Start(TimeSpan.FromHours(1));
        await _time.WaitForTimersAsync(1);

        _mirror.Remote = "bbb";
        watcher.Poke();
        await _time.WaitForTimersAsync(2);

        Assert.Equal([Trigger.Startup, Trigger.Webhook], _woken);
        Assert.Equal(1, _mirror.Fetches);
    }

    [Fact]
    public async Task A_mirror_from_an_earlier_run_serves_the_stacks_while_the_remote_is_away()
    {
        _mirror.Local = "aaa";
        _mirror.Down = true;
        Start(Interval);
        await _time.WaitForTimersAsync(1);
        Assert.Equal([Trigger.Startup], _woken);

        // Woken once, not at every failed retry.
        _time.Advance(RepoWatcher.Backoff(1));
        await _time.WaitForTimersAsync(2);
        Assert.Equal([Trigger.Startup], _woken);
    }

    [Fact]
    public async Task Without_a_mirror_the_stacks_wait_for_the_first_fetch()
    {
        _mirror.Remote = "aaa";
        _mirror.Down = true;
        Start(Interval);
        await _time.WaitForTimersAsync(1);
        Assert.Empty(_woken);

        _mirror.Down = false;
        _time.Advance(RepoWatcher.Backoff(1));
        await _time.WaitForTimersAsync(2);

        Assert.Equal([Trigger.Startup], _woken);
        // No mirror yet: nothing to compare a remote head with, so straight to the fetch.
        Assert.Equal(0, _mirror.HeadChecks);
        Assert.Equal(2, _mirror.Fetches);
    }

    [Fact]
    public async Task Cancelling_ends_the_loop_while_it_waits()
    {
        _mirror.Local = _mirror.Remote = "aaa";
        Start(Interval);
        await _time.WaitForTimersAsync(1);

        await _stop.CancelAsync();

        await _loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A mirror whose heads the test sets; a fetch makes the remote's head the local one.</summary>
    private sealed class ScriptedMirror : IRepositoryMirror
    {
        private volatile string? _local;
        private volatile string _remote = "";
        private volatile RemoteHead? _passed;
        private volatile bool _down;
        private int _headChecks;
        private int _fetches;

        public string? Local { get => _local; set => _local = value; }
        public string Remote { get => _remote; set => _remote = value; }
        public bool Down { get => _down; set => _down = value; }
        public int HeadChecks => Volatile.Read(ref _headChecks);
        public int Fetches => Volatile.Read(ref _fetches);
        public RemoteHead? HeadPassedToFetch => _passed;

        public string? GetLocalHead() => _local;

        public Task<RemoteHead> GetRemoteHeadAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref _headChecks);
            if (_down) throw Unreachable();
            return Task.FromResult(new RemoteHead("main", _remote));
        }

        public Task<FetchResult> FetchAsync(RemoteHead? remoteHead, CancellationToken ct)
        {
            Interlocked.Increment(ref _fetches);
            _passed = remoteHead;
            if (_down) throw Unreachable();
            var previous = _local;
            var head = _local = remoteHead?.Sha ?? _remote;
            return Task.FromResult(new FetchResult(head, previous,
                new GitCommitInfo(head, "Dev", "dev@example.com", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), "a commit")));
        }

        private static GitUnreachableException Unreachable() =>
            new("infra", "https://git.example/infra.git", "connection refused");
    }
}
