using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Reconciler.Configuration;
using Reconciler.Core.Policy;
using Reconciler.Daemon;
using Reconciler.Fleet;

namespace Reconciler.Tests.Fleet;

/// <summary>
/// The dynamic stack set, in process with scripted host files and passes: commits of the fleet repo
/// start, stop and restart stack loops; broken or emptying files change nothing; the last good file
/// is what a restart runs.
/// </summary>
public sealed class HostFileWatcherTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    private readonly CancellationTokenSource _stop = new();
    private readonly DaemonStatus _status;
    private readonly ActiveStacks _active;
    private readonly StackWorkers _workers;
    private readonly ScriptedFiles _files = new();
    private readonly ConcurrentQueue<string> _pruned = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Trigger>> _passes = new();
    private readonly string _stateDir = Directory.CreateTempSubdirectory("reconciler-fleet-tests-").FullName;
    private readonly DaemonConfig _config;

    public HostFileWatcherTests()
    {
        _config = HostFileReaderTests.Config(extra: "prune_stacks: true") with { StateDir = _stateDir };
        _status = new DaemonStatus(_time);
        _active = new ActiveStacks(_config);
        _workers = new StackWorkers(stack => new RecordingPass(stack, _passes.GetOrAdd(stack.Name, _ => new())),
            _status, new Heartbeats(_time), _active, _time, NullLogger.Instance);
        _workers.Begin(_stop.Token);
    }

    private HostFileWatcher Watcher(DaemonConfig? config = null) =>
        new(config ?? _config, (config ?? _config).Fleet!, _files, new LastGoodHostFile(_stateDir), _workers,
            (stack, commit, file, _) =>
            {
                _pruned.Enqueue($"{stack.Name}@{commit}");
                return Task.FromResult((1, (string?)null));
            },
            _status, NullLogger.Instance);

    private static string Stacks(params string[] names) =>
        "stacks:\n" + string.Concat(names.Select(n => $"  - {{name: {n}, path: stacks/{n}}}\n"));

    private IReadOnlyList<string> Running => [.. _workers.All.Select(w => w.Name).Order()];

    private async Task PassedAsync(string stack)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!(_passes.TryGetValue(stack, out var q) && !q.IsEmpty) && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.True(_passes.TryGetValue(stack, out var passes) && !passes.IsEmpty, $"stack {stack} never passed");
    }

    [Fact]
    public async Task A_commit_that_adds_a_stack_starts_its_loop_and_a_first_pass_at_once()
    {
        var watcher = Watcher();
        _files.Commit("c1", Stacks("web"));

        Assert.True(await watcher.CheckAsync("c1", Trigger.Poll, _stop.Token));

        Assert.Equal(["web"], Running);
        await PassedAsync("web");
        Assert.Equal(Trigger.Poll, Assert.Single(_passes["web"]));
        Assert.Equal("web", Assert.Single(_active.Current).Name);
        Assert.Equal(new StackOrigin("hosts/web-1.yaml", "infra", "c1"), _status.OriginOf("web"));
        Assert.Equal("c1", _status.HostFile!.Commit);
    }

    [Fact]
    public async Task A_commit_that_removes_a_stack_stops_its_loop_and_prunes_it_with_prune_stacks()
    {
        var watcher = Watcher();
        _files.Commit("c1", Stacks("web", "db"));
        await watcher.CheckAsync("c1", Trigger.Poll, _stop.Token);
        await PassedAsync("web");
        _status.StackPassed(new StackPassResult { Stack = "web", Outcome = PassOutcome.Noop }, Trigger.Poll);

        _files.Commit("c2", Stacks("db"));
        await watcher.CheckAsync("c2", Trigger.Poll, _stop.Token);

        Assert.Equal(["db"], Running);
        Assert.Equal(["web@c2"], _pruned.ToArray());
        Assert.DoesNotContain("web", _status.Stacks.Keys);
        Assert.Null(_status.OriginOf("web"));
        Assert.Equal(["db"], _active.Current.Select(s => s.Name));
    }

    [Fact]
    public async Task Without_prune_stacks_a_removed_stack_stops_but_its_containers_are_left()
    {
        var watcher = Watcher(_config with { PruneStacks = false });
        _files.Commit("c1", Stacks("web", "db"));
        await watcher.CheckAsync("c1", Trigger.Poll, _stop.Token);
        _files.Commit("c2", Stacks("db"));
        await watcher.CheckAsync("c2", Trigger.Poll, _stop.Token);

        Assert.Equal(["db"], Running);
        Assert.Empty(_pruned);
    }

    [Fact]
    public async Task A_changed_option_restarts_only_that_stack_s_loop()
    {
        var watcher = Watcher();
        _files.Commit("c1", Stacks("web", "db"));
        await watcher.CheckAsync("c1", Trigger.Poll, _stop.Token);
        var db = _workers.Find("db");
        var web = _workers.Find("web");

        _files.Commit("c2", Stacks("db") + "  - {name: web, path: stacks/web, suspend: true}\n");
        await watcher.CheckAsync("c2", Trigger.Poll, _stop.Token);

        Assert.Same(db, _workers.Find("db"));
        Assert.NotSame(web, _workers.Find("web"));
        Assert.True(_workers.Find("web")!.Reconciler.Stack.Suspend);
        Assert.Empty(_pruned); // same project: nothing to remove
        Assert.Equal("c2", _status.OriginOf("db")!.Commit);
    }

    [Fact]
    public async Task A_broken_host_file_changes_nothing_and_is_reported()
    {
        var watcher = Watcher();
        _files.Commit("c1", Stacks("web"));
        await watcher.CheckAsync("c1", Trigger.Poll, _stop.Token);
        var web = _workers.Find("web");

        _files.Commit("c2", "stacks:\n  - name: web\n    path: stacks/web\n    prnue: true\n");
        Assert.False(await watcher.CheckAsync("c2", Trigger.Poll, _stop.Token));

        Assert.Same(web, _workers.Find("web"));
        Assert.Empty(_pruned);
        var hostFile = _status.HostFile!;
        Assert.Equal(("c1", "c2", "invalid"), (hostFile.Commit, hostFile.CheckedCommit, hostFile.Reason));
        Assert.Contains("hosts/web-1.yaml:4:5: stacks[0].prnue: unknown key", hostFile.Error);
    }

    [Fact]
    public async Task A_file_dropping_every_stack_is_refused_unless_the_commit_allows_it()
    {
        var watcher = Watcher();
        _files.Commit("c1", Stacks("web"));
        await watcher.CheckAsync("c1", Trigger.Poll, _stop.Token);

        _files.Commit("c2", "stacks: []\n");
        Assert.False(await watcher.CheckAsync("c2", Trigger.Poll, _stop.Token));
        Assert.Equal(["web"], Running);
        Assert.Equal("empty", _status.HostFile!.Reason);

        _files.Commit("c3", "stacks: []\n", "retire web-1\n\nReconciler-Allow-Empty-Host: web-1\n");
        Assert.True(await watcher.CheckAsync("c3", Trigger.Poll, _stop.Token));
        Assert.Empty(Running);
        Assert.Equal(["web@c3"], _pruned.ToArray());
    }

    [Fact]
    public async Task A_restart_with_a_broken_head_runs_the_last_good_host_file()
    {
        _files.Commit("c1", Stacks("web", "db"));
        await Watcher().CheckAsync("c1", Trigger.Poll, _stop.Token);
        foreach (var w in _workers.All.ToList()) await _workers.StopAsync(w.Name);
        _files.Commit("c2", "stacks: [ {name: web");

        await Watcher().StartAsync(_stop.Token);

        Assert.Equal(["db", "web"], Running);
        Assert.Equal(("c1", "c2", "invalid"), (_status.HostFile!.Commit, _status.HostFile.CheckedCommit, _status.HostFile.Reason));
        Assert.Equal("c1", _status.OriginOf("web")!.Commit);
    }

    [Fact]
    public async Task The_loop_checks_a_head_once_and_each_new_head_when_fired()
    {
        var watcher = Watcher();
        var loop = watcher.RunAsync(_stop.Token);
        _files.Commit("c1", Stacks("web"));
        watcher.Fire(Trigger.Startup);
        await PassedAsync("web");
        _files.Commit("c2", Stacks("web", "db"));
        watcher.Fire(Trigger.Webhook);
        await PassedAsync("db");

        Assert.Equal(Trigger.Webhook, Assert.Single(_passes["db"]));
        Assert.Equal(2, _files.Reads);
        watcher.Fire(Trigger.Poll);
        await _stop.CancelAsync();
        await loop;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 disposes a test class only through these two.
    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _workers.WhenAllStopped();
        _stop.Dispose();
        Directory.Delete(_stateDir, recursive: true);
    }

    /// <summary>The fleet repo as a list of commits, each with the host file's text and a message.</summary>
    private sealed class ScriptedFiles : IHostFileSource
    {
        private readonly ConcurrentDictionary<string, (string Text, string Message)> _commits = new();
        private string? _head;
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public void Commit(string sha, string text, string message = "change hosts")
        {
            _commits[sha] = (text, message);
            Volatile.Write(ref _head, sha);
        }

        public string? Head() => Volatile.Read(ref _head);

        public (string? Text, string Message) Read(string commit, string path)
        {
            Interlocked.Increment(ref _reads);
            Assert.Equal("hosts/web-1.yaml", path);
            return _commits.TryGetValue(commit, out var c) ? (c.Text, c.Message) : (null, "");
        }
    }

    /// <summary>A pass that records each trigger and finds nothing to do.</summary>
    private sealed class RecordingPass(StackConfig stack, ConcurrentQueue<Trigger> passes) : IStackPass
    {
        public StackConfig Stack => stack;

        public Task<StackPassResult> ReconcileAsync(Trigger trigger, CancellationToken ct)
        {
            passes.Enqueue(trigger);
            return Task.FromResult(new StackPassResult { Stack = stack.Name, Outcome = PassOutcome.Noop });
        }
    }
}
