using System.Collections.Concurrent;
using System.Diagnostics;
using Docker.DotNet.Models;
using Reconciler.Core.Observed;
using Reconciler.Docker.Cache;

namespace Reconciler.Docker.Tests.Cache;

/// <summary>
/// The engine cache against the real engine, changed behind its back by another client (the
/// fixture's): it must read what a direct read reads, from memory when nothing changed.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class EngineCacheTests(EngineFixture fx) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly DockerEngine _engine = new(DockerEndpoint.Resolve(), new Registry.DockerConfigCredentials(fx.EmptyDockerConfig),
        new EngineCacheOptions { RetryDelay = TimeSpan.FromSeconds(1) });
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<(string Reason, IReadOnlyList<string> Differences)> _resyncs = new();
    private readonly ConcurrentQueue<ContainerEvent> _events = new();
    private Task _loop = Task.CompletedTask;

    private EngineCache Cache => _engine.Cache!;

    public async Task InitializeAsync()
    {
        Cache.Resynced += (reason, differences) => _resyncs.Enqueue((reason, differences));
        Cache.ContainerChanged += _events.Enqueue;
        _loop = Cache.RunAsync(_stop.Token);
        await UntilAsync("the cache is synced", () => Cache.IsSynced);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _engine.Dispose();
        _stop.Dispose();
    }

    [Fact]
    public async Task Reads_what_a_direct_read_reads_after_create_stop_rename_and_remove_by_another_client()
    {
        var p = fx.NewProject();
        var wanted = new[] { $"{p}-web-1", $"{p}-db-1", $"{p}-job-1" };
        await fx.Engine.Networks.CreateAsync(Specs.Network(p, $"{p}_default"));
        await fx.Engine.Volumes.CreateAsync(Specs.Volume(p, $"{p}_data"));
        var web = await fx.Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-web-1"));
        await fx.Engine.Containers.StartAsync(web.Id);
        var db = await fx.Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-db-1"));
        await fx.Engine.Containers.StartAsync(db.Id);
        // A squatter on a wanted name, labelled for another project.
        await fx.Engine.Containers.CreateAsync(Specs.Container(fx.NewProject(), $"{p}-job-1"));
        await SameAsDirectAsync(p, wanted);

        await fx.Client.Containers.StopContainerAsync(web.Id, new ContainerStopParameters { WaitBeforeKillSeconds = 0 });
        await SameAsDirectAsync(p, wanted);
        await fx.Client.Containers.RenameContainerAsync(db.Id, new ContainerRenameParameters { NewName = $"{p}-db-old" });
        await SameAsDirectAsync(p, wanted);
        await fx.Client.Containers.RemoveContainerAsync(web.Id, new ContainerRemoveParameters { Force = true });
        var state = await SameAsDirectAsync(p, wanted);
        Assert.DoesNotContain(state.Containers, c => c.Id == web.Id);
        Assert.Contains(state.Containers, c => c.Name == $"{p}-db-old");
        Assert.Single(state.Networks);
        Assert.Single(state.Volumes);
    }

    [Fact]
    public async Task A_read_of_an_unchanged_project_makes_no_engine_call()
    {
        var p = fx.NewProject();
        var web = await fx.Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-web-1"));
        await SameAsDirectAsync(p, [$"{p}-web-1"]);

        // Other tests share the engine: what they change is marked and re-listed at the next read.
        // Some read soon finds nothing marked, and that read must make no engine call at all.
        var free = TimeSpan.MaxValue;
        ObservedState state = ObservedState.Empty;
        for (var i = 0; i < 50 && free == TimeSpan.MaxValue; i++)
        {
            var before = Cache.Counts;
            var watch = Stopwatch.StartNew();
            state = await Cache.ReadAsync(p, [$"{p}-web-1"]);
            watch.Stop();
            var after = Cache.Counts;
            Assert.Equal(before.Direct, after.Direct);
            Assert.Equal(before.FromMemory + 1, after.FromMemory);
            if (after.ListCalls == before.ListCalls) free = watch.Elapsed;
            else await Task.Delay(20);
        }
        Assert.True(free != TimeSpan.MaxValue, "every read listed something: the cache never settles");
        Assert.Equal(web.Id, Assert.Single(state.Containers).Id);
        var watchText = free;
        Console.WriteLine($"[figure] cached read of a 1-container project: {watchText.TotalMilliseconds:0.000} ms");
    }

    [Fact]
    public async Task An_event_the_stream_lost_is_caught_by_the_periodic_resync_and_reported()
    {
        var p = fx.NewProject();
        var web = await fx.Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-web-1"));
        await fx.Engine.Containers.StartAsync(web.Id);
        await SameAsDirectAsync(p, []);
        await QuietAsync(p);

        // The engine's stop happens, its events never reach the cache: it still says running.
        Cache.IgnoreEvents = e => e.ActorId == web.Id;
        await fx.Client.Containers.StopContainerAsync(web.Id, new ContainerStopParameters { WaitBeforeKillSeconds = 0 });
        Assert.Equal("running", Assert.Single((await Cache.ReadAsync(p, [])).Containers).State);

        _resyncs.Clear();
        await Cache.ResyncNowAsync();
        var (reason, differences) = Assert.Single(_resyncs);
        Assert.Equal(ResyncReason.Period, reason);
        Assert.Contains(differences, d => d.Contains($"{p}-web-1", StringComparison.Ordinal) && d.Contains("state running, engine exited", StringComparison.Ordinal));
        Assert.Equal("exited", Assert.Single((await Cache.ReadAsync(p, [])).Containers).State);
    }

    [Fact]
    public async Task While_the_stream_is_down_reads_go_to_the_engine_and_the_reconnect_resyncs_and_reports_what_was_missed()
    {
        var p = fx.NewProject();
        var web = await fx.Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-web-1"));
        await fx.Engine.Containers.StartAsync(web.Id);
        await SameAsDirectAsync(p, []);
        // The start's events must be in before they are ignored: one arriving late marks the container and re-lists it.
        await QuietAsync(p);

        // A change the stream loses, then the stream goes (as when dockerd restarts).
        Cache.IgnoreEvents = e => e.ActorId == web.Id;
        await fx.Client.Containers.StopContainerAsync(web.Id, new ContainerStopParameters { WaitBeforeKillSeconds = 0 });
        Assert.Equal("running", Assert.Single((await Cache.ReadAsync(p, [])).Containers).State);
        _resyncs.Clear();
        Cache.DropStream();
        await UntilAsync("the cache is unsynced", () => !Cache.IsSynced);

        // Down: the read goes to the engine, and is right.
        var direct = Cache.Counts.Direct;
        Assert.Equal("exited", Assert.Single((await Cache.ReadAsync(p, [])).Containers).State);
        Assert.Equal(direct + 1, Cache.Counts.Direct);
        Cache.IgnoreEvents = null;

        await UntilAsync("the cache resynced after reconnecting", () => Cache.IsSynced && _resyncs.Any(r => r.Reason == ResyncReason.Reconnect));
        var reconnect = _resyncs.First(r => r.Reason == ResyncReason.Reconnect);
        Assert.Contains(reconnect.Differences, d => d.Contains($"{p}-web-1", StringComparison.Ordinal) && d.Contains("engine exited", StringComparison.Ordinal));
        Assert.Equal("exited", Assert.Single((await Cache.ReadAsync(p, [])).Containers).State);
    }

    [Fact]
    public async Task Container_events_of_a_project_are_reported_with_its_labels()
    {
        var p = fx.NewProject();
        var web = await fx.Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-web-1"));
        await fx.Engine.Containers.StartAsync(web.Id);
        await fx.Client.Containers.StopContainerAsync(web.Id, new ContainerStopParameters { WaitBeforeKillSeconds = 0 });
        await UntilAsync("the die event", () => _events.Any(e => e.ContainerId == web.Id && e.Action == "die"
            && e.Attributes.GetValueOrDefault(ObservedStateReader.ProjectLabel) == p));
    }

    [Fact]
    public async Task Per_project_subscriptions_share_the_cache_stream_replay_from_since_and_end_when_it_is_lost()
    {
        var p = fx.NewProject();
        var other = fx.NewProject();
        var since = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(1);
        var web = await fx.Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-web-1"));
        await fx.Engine.Containers.CreateAsync(Specs.Container(other, $"{other}-web-1"));
        await fx.Engine.Containers.StartAsync(web.Id);
        await UntilAsync("the start event reached the cache", () => _events.Any(e => e.ContainerId == web.Id && e.Action == "start"));

        // Subscribing after the events happened: they are replayed from since, and only this project's.
        using var stop = new CancellationTokenSource(Deadline);
        var seen = new ConcurrentQueue<ContainerEvent>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in _engine.Events.ContainerEventsAsync(p, since, stop.Token)) seen.Enqueue(e);
        });
        await UntilAsync("create and start replayed", () => seen.Any(e => e.Action == "create") && seen.Any(e => e.Action == "start"));

        // Live events follow.
        await fx.Client.Containers.StopContainerAsync(web.Id, new ContainerStopParameters { WaitBeforeKillSeconds = 0 });
        await UntilAsync("the live die event", () => seen.Any(e => e.Action == "die"));
        Assert.All(seen, e => Assert.Equal(p, e.Attributes[ObservedStateReader.ProjectLabel]));

        // The shared stream goes: the subscription ends with an error (the watcher then looks again).
        Cache.DropStream();
        var error = await Assert.ThrowsAsync<DockerEngineUnavailableException>(() => reading);
        Assert.Contains("event stream is down", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_storm_of_another_tools_containers_costs_at_most_one_list_per_read_and_reads_stay_right()
    {
        var p = fx.NewProject();
        var storm = fx.NewProject();
        var web = await fx.Engine.Containers.CreateAsync(Specs.Container(p, $"{p}-web-1"));
        await SameAsDirectAsync(p, []);
        var before = Cache.Counts;

        // 100 containers created by another tool (the fixture's engine has no cache), 10 at a time.
        const int Storm = 100;
        var creating = Task.Run(async () =>
        {
            for (var i = 0; i < Storm; i += 10)
                await Task.WhenAll(Enumerable.Range(i, 10).Select(n => fx.Engine.Containers.CreateAsync(Specs.Container(storm, $"{storm}-x-{n}"))));
        });
        var reads = 0;
        while (!creating.IsCompleted)
        {
            Assert.Equal(web.Id, Assert.Single((await Cache.ReadAsync(p, [])).Containers).Id);
            reads++;
            await Task.Delay(10);
        }
        await creating;
        Assert.Equal(Storm, (await SameAsDirectAsync(storm, [])).Containers.Length);
        var after = Cache.Counts;

        // Events only mark; the reads list what is marked, once each (other tests' changes add a few).
        var lists = after.ListCalls - before.ListCalls;
        Console.WriteLine($"[figure] storm of {Storm} creates: {reads} reads during it, {lists} list calls in all");
        Assert.True(lists <= 2 * (reads + 20), $"{lists} list calls for {reads} reads");
        Assert.Equal(before.Direct, after.Direct);
    }

    /// <summary>Reads through the cache and directly until they agree (events take a moment to arrive), and returns the cached read.</summary>
    private async Task<ObservedState> SameAsDirectAsync(string project, IReadOnlyCollection<string> wanted)
    {
        string cached = "", direct = "";
        ObservedState state = ObservedState.Empty;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Deadline)
        {
            state = await Cache.ReadAsync(project, wanted, default, [$"{project}_default", $"{project}_data"]);
            cached = Text(state);
            direct = Text(await _engine.Direct.ReadAsync(project, wanted, default, [$"{project}_default", $"{project}_data"]));
            if (cached == direct) return state;
            await Task.Delay(50);
        }
        Assert.Equal(direct, cached);
        return state;
    }

    /// <summary>Every field the planner reads; the human status ages between two reads and is left out.</summary>
    private static string Text(ObservedState s) => string.Join("\n",
    [
        .. s.Containers.Select(c => $"{c.Id} {c.Name} {c.Image} {c.ImageId} {c.State} {c.ExitCode} {c.Created:O} "
            + string.Join(",", c.Labels.Select(l => $"{l.Key}={l.Value}")) + " " + string.Join(",", c.Mounts)),
        .. s.Networks.Select(n => $"net {n.Id} {n.Name} {n.Driver} {n.Internal} " + string.Join(",", n.Labels) + string.Join(",", (IEnumerable<KeyValuePair<string, string>>?)n.Options ?? [])),
        .. s.Volumes.Select(v => $"vol {v.Name} {v.Driver} " + string.Join(",", v.Labels)),
        $"images {s.LocalImages.Count}",
    ]);

    /// <summary>
    /// Waits until the events of what the test just did have arrived and been read: a start event
    /// still in flight would mark the container and let the next read see through a lost event.
    /// </summary>
    private async Task QuietAsync(string project)
    {
        var deadline = Stopwatch.StartNew();
        for (var quiet = 0; quiet < 3;)
        {
            Assert.True(deadline.Elapsed < Deadline, "timed out waiting for the engine's events to settle");
            await Task.Delay(100);
            var lists = Cache.Counts.ListCalls;
            await Cache.ReadAsync(project, []);
            quiet = Cache.Counts.ListCalls == lists ? quiet + 1 : 0;
        }
    }

    private static async Task UntilAsync(string what, Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < Deadline, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
