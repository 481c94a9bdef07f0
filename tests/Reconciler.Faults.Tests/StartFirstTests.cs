using System.Diagnostics;
using Reconciler.Faults.Tests.Infrastructure;

namespace Reconciler.Faults.Tests;

/// <summary>Issue 7 §3: start-first updates keep a running container of the service throughout.</summary>
public sealed class StartFirstTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_start_first_update_always_has_a_running_container_polled_every_100ms_and_removes_the_old_one_after()
    {
        await using var s = await Scenario.CreateAsync(output);
        Svc Web(string image, string rev) => new("web", image) { StartFirst = true, Data = true, Command = Compose.Httpd, Env = rev };
        var first = await s.CommitComposeAsync("web 1.0", Compose.File(Web(DockerCli.Image10, "a")));
        s.StartDaemon();
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image10 }, first);
        await s.WaitSettledAsync(first);
        var old = await s.ServiceContainerAsync("web");
        var token = await s.WriteTokenAsync("web");

        // Sample the running containers of the service every 100 ms from before the push until converged.
        var samples = new List<(TimeSpan At, string[] Running)>();
        using var stop = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        var since = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1;
        // Two samplers 50 ms apart, each polling every 100 ms (or as fast as docker ps answers when slower).
        async Task SampleAsync(int offsetMs)
        {
            await Task.Delay(offsetMs);
            while (!stop.IsCancellationRequested)
            {
                var started = watch.Elapsed;
                var r = await s.Docker.RunAsync("ps", "-q", "--no-trunc", "--filter", $"label=com.docker.compose.project={s.Project}",
                    "--filter", "label=com.docker.compose.service=web", "--filter", "status=running");
                if (r.Ok) lock (samples) samples.Add((started, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
                var wait = TimeSpan.FromMilliseconds(100) - (watch.Elapsed - started);
                if (wait > TimeSpan.Zero)
                {
                    try { await Task.Delay(wait, stop.Token); } catch (OperationCanceledException) { }
                }
            }
        }
        var sampler = Task.WhenAll(Task.Run(() => SampleAsync(0)), Task.Run(() => SampleAsync(50)));
        await Task.Delay(500);
        var next = await s.CommitComposeAsync("web 1.1, start-first", Compose.File(Web(DockerCli.Image11, "b")));
        await s.WaitConvergedAsync(new Dictionary<string, string> { ["web"] = DockerCli.Image11 }, next);
        await Task.Delay(500);
        await stop.CancelAsync();
        await sampler;

        samples.Sort((a, b) => a.At.CompareTo(b.At));
        var maxGap = samples.Zip(samples.Skip(1), (a, b) => b.At - a.At).DefaultIfEmpty().Max();
        output.WriteLine($"{samples.Count} samples over {(samples[^1].At - samples[0].At).TotalSeconds:0.0}s, largest gap {maxGap.TotalMilliseconds:0} ms; " +
            $"running counts: {string.Join(' ', samples.Select(x => x.Running.Length))}");
        Assert.True(samples.Count >= 15, $"too few samples ({samples.Count}) to judge");
        var gaps = samples.Where(x => x.Running.Length == 0).ToList();
        await s.AssertAsync(gaps.Count == 0, $"no running container of web at {string.Join(", ", gaps.Select(g => g.At.TotalSeconds.ToString("0.0") + "s"))}");

        // Start-first in the engine's own record: the new container started before the old one died.
        var events = (await s.Docker.OkAsync("events", "--since", since.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--until", (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--filter", $"label=com.docker.compose.project={s.Project}", "--filter", "type=container",
                "--format", "{{.TimeNano}} {{.Action}} {{.ID}}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .Select(p => (Time: long.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), Action: p[1], Id: p[2]))
            .ToList();
        output.WriteLine(string.Join("\n", events.Select(e => $"{e.Time} {e.Action} {e.Id[..Math.Min(12, e.Id.Length)]}")));

        // The old one is removed afterwards: one container, a new one, properly named.
        var all = await s.ContainersAsync();
        Assert.Single(all);
        Assert.NotEqual(old.Id, all[0].Id);
        Assert.Equal(s.ContainerName("web"), all[0].Name);
        Assert.Null(await s.Docker.InspectAsync(old.Id));
        var newStarted = events.Where(e => e.Id == all[0].Id && e.Action == "start").Select(e => e.Time).DefaultIfEmpty(long.MaxValue).Min();
        var oldDied = events.Where(e => e.Id == old.Id && e.Action == "die").Select(e => e.Time).DefaultIfEmpty(long.MinValue).Min();
        Assert.True(newStarted < oldDied, $"the new container started at {newStarted}, the old one died at {oldDied}: not start-first");
        Assert.Contains(events, e => e.Id == old.Id && e.Action == "destroy");
        Assert.Contains("busybox 1.1", await s.Docker.OkAsync("exec", all[0].Name, "wget", "-qO-", "http://127.0.0.1:8080/"));
        await s.AssertTokenAsync(token);
    }
}
