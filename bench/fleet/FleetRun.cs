using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Daemon;
using Reconciler.Git;
using Reconciler.State;
using Reconciler.TestSupport;

namespace Reconciler.Bench.Fleet;

/// <summary>What one run of N agents on one transport measured.</summary>
internal sealed record FleetResult(int Agents, string Transport, TimeSpan Interval, double RequestsPerSecond, double RequestsPerCheck,
    int BusiestSecond, double CpuMsPerCheck, TimeSpan PushP50, TimeSpan PushMax, TimeSpan InitialClone)
{
    public string Row => string.Create(CultureInfo.InvariantCulture,
        $"| {Agents} | {Transport} | {Interval.TotalSeconds:0} s | {RequestsPerSecond:0.0} ({Agents / Interval.TotalSeconds:0.0}) | {RequestsPerCheck:0.00} | {BusiestSecond} | {CpuMsPerCheck:0.0} ms | {PushP50.TotalSeconds:0.00} s / {PushMax.TotalSeconds:0.00} s |");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Transport} N={Agents}: {RequestsPerSecond:0.0} requests/s ({RequestsPerCheck:0.00} per check, busiest second {BusiestSecond}), server CPU {CpuMsPerCheck:0.0} ms per check, push → all saw it p50 {PushP50.TotalSeconds:0.00} s max {PushMax.TotalSeconds:0.00} s (first clone of all: {InitialClone.TotalSeconds:0.0} s)");
}

/// <summary>N of the daemon's repo watchers against one server, started together.</summary>
internal static class FleetRun
{
    public static async Task<FleetResult> RunAsync(int n, string transport, Server server, OriginRepository origin, string dir,
        BenchOptions options, ILoggerFactory loggers)
    {
        var repo = new RepoConfig
        {
            Name = "fleet",
            Url = server.Url,
            Branch = "main",
            Interval = options.Interval,
            Auth = server.SshKey is { } key ? new RepoAuth { SshKeyFile = key } : new RepoAuth { Username = server.User, PasswordFile = server.PasswordFile },
        };
        var seen = new ConcurrentDictionary<int, (string Head, long At)>();
        var checks = 0;
        var checkTimes = new ConcurrentQueue<long>();
        var agents = new List<(RepoWatcher Watcher, SqliteStateStore Store)>();
        for (var i = 0; i < n; i++)
        {
            var stateDir = Path.Combine(dir, $"agent-{i}");
            Directory.CreateDirectory(stateDir);
            var mirror = new GitRepositoryMirror(SecretSources.RemoteFor(repo), stateDir);
            var store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = stateDir }, TimeProvider.System);
            await store.OpenAsync(CancellationToken.None);
            var status = new DaemonStatus(TimeProvider.System);
            status.FetchCounted += (_, result) =>
            {
                if (result == "failed") return;
                Interlocked.Increment(ref checks);
                checkTimes.Enqueue(Stopwatch.GetTimestamp());
            };
            var watcher = new RepoWatcher(repo, mirror, store, status, new Heartbeats(TimeProvider.System), TimeProvider.System,
                loggers.CreateLogger("bench"))
            {
                Jitter = RepoWatcher.DefaultJitter,
            };
            var agent = i;
            // What a stack worker would be woken with: the time this agent's watcher had the new head.
            watcher.OnNewCommit(_ => seen[agent] = (mirror.GetLocalHead() ?? "", Stopwatch.GetTimestamp()));
            agents.Add((watcher, store));
        }
        using var stop = new CancellationTokenSource();
        var started = Stopwatch.GetTimestamp();
        var loops = agents.Select(a => Task.Run(() => a.Watcher.RunAsync(stop.Token))).ToList();
        var first = origin.Head();
        await UntilAsync(() => seen.Count == n && seen.Values.All(s => s.Head == first), TimeSpan.FromMinutes(5), $"{n} agents cloning");
        var initial = Stopwatch.GetElapsedTime(started);

        // Steady state: after one interval of settling, count what the server serves during the window.
        await Task.Delay(options.Interval);
        var (requests0, checks0, cpu0, t0) = (server.Requests(), Volatile.Read(ref checks), ServerCpu.Seconds(transport), Stopwatch.GetTimestamp());
        await Task.Delay(options.Window);
        var (requests1, checks1, cpu1, t1) = (server.Requests(), Volatile.Read(ref checks), ServerCpu.Seconds(transport), Stopwatch.GetTimestamp());
        var seconds = Stopwatches.Seconds(t1 - t0);
        var windowChecks = Math.Max(1, checks1 - checks0);
        var busiest = checkTimes.Where(t => t >= t0 && t < t1).GroupBy(t => (int)Stopwatches.Seconds(t - t0)).Select(g => g.Count()).DefaultIfEmpty(0).Max();

        // A push: until every agent's watcher has the new head.
        var pushed = Stopwatch.GetTimestamp();
        var head = origin.Commit("move a stack", new Dictionary<string, string?> { ["hosts/a.yaml"] = $"stacks: [] # {Guid.NewGuid():N}\n" });
        await UntilAsync(() => seen.Values.Count(s => s.Head == head) == n, options.Interval * 3 + TimeSpan.FromSeconds(60), $"{n} agents seeing the push");
        var latencies = seen.Values.Select(s => TimeSpan.FromSeconds(Stopwatches.Seconds(s.At - pushed))).Order().ToList();

        await stop.CancelAsync();
        await Task.WhenAll(loops);
        foreach (var (_, store) in agents) store.Dispose();
        return new FleetResult(n, transport, options.Interval, (requests1 - requests0) / seconds, (double)(requests1 - requests0) / windowChecks,
            busiest, (cpu1 - cpu0) * 1000 / windowChecks, latencies[latencies.Count / 2], latencies[^1], initial);
    }

    private static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout) throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s: {what}");
            await Task.Delay(20);
        }
    }
}

/// <summary>
/// CPU seconds the git server spent, from /proc: for http the CGI children of this process
/// (git http-backend; the agents' http client is libgit2, in process), for ssh the sshd started
/// for the run with every session it reaped (sshd, git-upload-pack).
/// </summary>
internal static class ServerCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public static double Seconds(string transport) => transport == "http" ? ChildrenOf("self") : Sshd();

    private static double ChildrenOf(string pid)
    {
        var f = Fields(pid);
        // cutime + cstime: children waited for (each http-backend run).
        return f is null ? 0 : (long.Parse(f[15], CultureInfo.InvariantCulture) + long.Parse(f[16], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    private static double Sshd()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var pid = Path.GetFileName(dir);
            if (!pid.All(char.IsAsciiDigit)) continue;
            string cmdline;
            try { cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' '); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            // sshd retitles itself "sshd: /usr/sbin/sshd -D … [listener] …".
            if (!cmdline.Contains("/usr/sbin/sshd -D -e -f ", StringComparison.Ordinal) || !cmdline.Contains("reconciler-fleet-bench-", StringComparison.Ordinal)) continue;
            var f = Fields(pid);
            if (f is null) continue;
            // utime, stime, cutime, cstime: sshd and the sessions it reaped.
            return f.Skip(13).Take(4).Sum(x => long.Parse(x, CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        return 0;
    }

    /// <summary>The fields of /proc/PID/stat, index i holding proc(5)'s field i + 1 (utime is [13]); the command name is skipped.</summary>
    private static string[]? Fields(string pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return ["", "", .. stat[(close + 2)..].Split(' ')];
        }
        catch (IOException)
        {
            return null;
        }
    }
}
