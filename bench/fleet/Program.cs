using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Reconciler.Bench.Fleet;
using Reconciler.TestSupport;

// git, sshd and /proc: a Linux bench, as the test harness it borrows.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

// bench/fleet: what N agents polling one git server cost it, and how long a push takes to reach them all.
//
//   fleet-bench [--agents 10,100] [--transport http,ssh|none] [--interval 5s] [--window 30s] [--simulate 1000]
//
// Each agent is the daemon's own RepoWatcher (own bare mirror, SQLite state store and ±10 % jitter)
// in this process; the server is git http-backend behind a small HTTP host, or OpenSSH's sshd, on
// loopback, serving one bare repo. For each N and transport: the agents start together (the worst
// case), run a warm-up interval, then for --window the requests the server saw are counted
// (requests/s), then a commit is pushed and the time until every agent's watcher has the new head
// and notified its stacks is measured (push → all saw the commit). --simulate runs the same
// schedule (start together, jittered intervals) for many agents without a server, counting checks
// per second, to show the load a fleet of that size puts on the server and how jitter spreads it.
var options = BenchOptions.Parse(args);
Console.WriteLine($"fleet bench: agents {string.Join(",", options.Agents)}, transports {string.Join(",", options.Transports)}, interval {options.Interval.TotalSeconds:0.#} s, window {options.Window.TotalSeconds:0} s, {Environment.ProcessorCount} CPUs");
var root = Directory.CreateTempSubdirectory("reconciler-fleet-bench-").FullName;
try
{
    var served = Path.Combine(root, "served");
    Directory.CreateDirectory(served);
    var origin = new OriginRepository(Path.Combine(served, "fleet.git"), Path.Combine(root, "work"));
    origin.Commit("hosts", new Dictionary<string, string?> { ["hosts/a.yaml"] = "stacks: []\n" });
    const string user = "bench";
    const string password = "bench-password-not-a-secret";
    var passwordFile = Path.Combine(root, "password");
    File.WriteAllText(passwordFile, password);
    File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    using var http = options.Transports.Contains("http") ? new GitHttpServer(served, user, password) : null;
    using var ssh = options.Transports.Contains("ssh") ? new SshServer(Path.Combine(root, "ssh")) : null;
    var rows = new List<string>();
    foreach (var transport in options.Transports.Where(t => t is "http" or "ssh"))
    {
        foreach (var n in options.Agents)
        {
            var remote = transport == "http"
                ? new Server(http!.UrlFor("fleet.git"), () => http.Requests.Count, user, passwordFile, null)
                : new Server(ssh!.UrlFor(origin.BarePath), () => ssh.Log.Split('\n').Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal)), null, null, ssh.ClientKey);
            var result = await FleetRun.RunAsync(n, transport, remote, origin, Path.Combine(root, $"{transport}-{n}"), options, NullLoggerFactory.Instance);
            Console.WriteLine(result);
            rows.Add(result.Row);
        }
    }
    if (options.Simulate > 0)
    {
        foreach (var n in new[] { 10, 100, options.Simulate })
        {
            var sim = Simulation.Run(n, options.Interval, TimeSpan.FromMinutes(10), seed: 16);
            Console.WriteLine(sim);
            rows.Add(sim.Row);
        }
    }
    Console.WriteLine();
    Console.WriteLine("| agents | transport | interval | requests/s at the server (expected N/interval) | requests per check | busiest second | server CPU per check | push → all saw the commit (p50 / max) |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|");
    foreach (var row in rows) Console.WriteLine(row);
}
finally
{
    try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
}

namespace Reconciler.Bench.Fleet
{
    /// <summary>The command line, with the defaults the README's figures were taken with.</summary>
    internal sealed record BenchOptions(int[] Agents, string[] Transports, TimeSpan Interval, TimeSpan Window, int Simulate)
    {
        public static BenchOptions Parse(string[] args)
        {
            var o = new BenchOptions([10, 100], ["http", "ssh"], TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), 1000);
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                o = args[i] switch
                {
                    "--agents" => o with { Agents = [.. args[i + 1].Split(',').Select(int.Parse)] },
                    "--transport" => o with { Transports = args[i + 1].Split(',') },
                    "--interval" => o with { Interval = TimeSpan.FromSeconds(double.Parse(args[i + 1].TrimEnd('s'), CultureInfo.InvariantCulture)) },
                    "--window" => o with { Window = TimeSpan.FromSeconds(double.Parse(args[i + 1].TrimEnd('s'), CultureInfo.InvariantCulture)) },
                    "--simulate" => o with { Simulate = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                    _ => throw new ArgumentException($"unknown option {args[i]}"),
                };
            }
            return o;
        }
    }

    /// <summary>A git server under test: the url agents use, how to count what it served, and the credentials.</summary>
    internal sealed record Server(string Url, Func<int> Requests, string? User, string? PasswordFile, string? SshKey);

    internal static class Stopwatches
    {
        public static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
    }
}
