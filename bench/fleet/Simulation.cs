using System.Globalization;
using Reconciler.Daemon;

namespace Reconciler.Bench.Fleet;

/// <summary>What the simulated fleet puts on its git server.</summary>
internal sealed record SimulationResult(int Agents, TimeSpan Interval, double ChecksPerSecond, int BusiestSecondFirstMinute, int BusiestSecondAfter,
    TimeSpan PushP50, TimeSpan PushMax)
{
    public string Row => string.Create(CultureInfo.InvariantCulture,
        $"| {Agents} (simulated) | any | {Interval.TotalSeconds:0} s | {ChecksPerSecond:0.0} checks/s | 1 (http) | {BusiestSecondFirstMinute} in the 1st minute, {BusiestSecondAfter} after 5 min | — | {PushP50.TotalSeconds:0.00} s / {PushMax.TotalSeconds:0.00} s + one fetch |");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"simulated N={Agents}: {ChecksPerSecond:0.0} checks/s, busiest second {BusiestSecondFirstMinute} checks in the first minute, {BusiestSecondAfter} after 5 minutes (without jitter: {Agents} every interval), push → next check of every agent p50 {PushP50.TotalSeconds:0.00} s max {PushMax.TotalSeconds:0.00} s");
}

/// <summary>
/// The fleet's check schedule without a server: N agents started in the same second (the worst
/// case: a fleet rebooted together), each checking at start and then every interval × (1 ± 10 %),
/// drawn anew each time exactly as <see cref="RepoWatcher"/> does. Counts checks per second, and
/// for pushes at random times how long until each agent's next check (a check of an unchanged head
/// is one request; the agent that sees the push then fetches it).
/// </summary>
internal static class Simulation
{
    public static SimulationResult Run(int agents, TimeSpan interval, TimeSpan duration, int seed)
    {
        var random = new Random(seed);
        var perSecond = new int[(int)duration.TotalSeconds + 1];
        var schedules = new List<double>[agents];
        for (var a = 0; a < agents; a++)
        {
            schedules[a] = [];
            // Started within the same second, in whatever order the init system starts them.
            for (var t = random.NextDouble(); t < duration.TotalSeconds; t += Jittered(interval, random.NextDouble()).TotalSeconds)
            {
                perSecond[(int)t]++;
                schedules[a].Add(t);
            }
        }
        var pushes = Enumerable.Range(0, 200).Select(_ => 300 + random.NextDouble() * (duration.TotalSeconds - 300 - 2 * interval.TotalSeconds)).ToList();
        var waits = new List<double>();
        var worst = new List<double>();
        foreach (var push in pushes)
        {
            var each = schedules.Select(s => s.First(t => t >= push) - push).ToList();
            waits.AddRange(each);
            worst.Add(each.Max());
        }
        waits.Sort();
        worst.Sort();
        return new SimulationResult(agents, interval,
            perSecond.Skip(300).Sum() / (duration.TotalSeconds - 300),
            perSecond.Take(60).Max(), perSecond.Skip(300).Max(),
            TimeSpan.FromSeconds(worst[worst.Count / 2]), TimeSpan.FromSeconds(worst[^1]));
    }

    /// <summary>The daemon's wait: interval × (1 + jitter × (2u − 1)) with jitter <see cref="RepoWatcher.DefaultJitter"/>.</summary>
    private static TimeSpan Jittered(TimeSpan interval, double unit) =>
        TimeSpan.FromTicks((long)(interval.Ticks * (1 + RepoWatcher.DefaultJitter * (2 * unit - 1))));
}
