using System.Diagnostics;
using Reconciler.Faults.Tests.Infrastructure;

namespace Reconciler.Faults.Tests;

/// <summary>Issue 7 §4: SIGKILL of the daemon at any point of an apply, then a restart, converges cleanly.</summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private static readonly string[] Services = ["s1", "s2", "s3", "s4", "s5"];
    private static readonly string[] Images = [DockerCli.Image11, DockerCli.Image20, DockerCli.Image10];

    private static string Stack(string image, int revision) => Compose.File(
    [
        .. Services.Select((name, i) => new Svc(name, image)
        {
            Data = true,
            Env = revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Two of the five update start-first: their interrupted recreates leave running replacements.
            StartFirst = i >= 3,
        }),
    ]);

    [Fact]
    public async Task After_a_sigkill_at_many_points_of_a_recreate_of_five_services_a_restart_converges_with_no_duplicates_no_leftovers_and_data_intact()
    {
        await using var s = await Scenario.CreateAsync(output);
        var commit = await s.CommitComposeAsync("five services", Stack(DockerCli.Image10, 0));
        var daemon = s.StartDaemon();
        await s.WaitConvergedAsync(Services.ToDictionary(x => x, _ => DockerCli.Image10), commit);
        var token = await s.WriteTokenAsync("s1");

        // Kill N ms after the daemon logs the new commit, for N across the whole apply
        // (create-new, stop-old, remove-old, rename, start, health gate) and beyond.
        int[] delays = [0, 50, 150, 300, 450, 600, 800, 1000, 1300, 1700, 2200, 3000, 4500];
        var random = new Random(7);
        var round = 0;
        var last = commit;
        foreach (var delay in delays.Concat(Enumerable.Range(0, 4).Select(_ => random.Next(0, 2500))))
        {
            round++;
            var image = Images[round % Images.Length];
            var sha = await s.CommitComposeAsync($"round {round}: {image}", Stack(image, round));
            var logged = $"new commit {sha[..12]}";
            var watch = Stopwatch.StartNew();
            while (s.Log.Count(logged) == 0 && watch.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(5);
            await s.AssertAsync(s.Log.Count(logged) > 0, $"round {round}: the daemon never saw {sha[..12]}");
            await Task.Delay(delay);
            var actionsBefore = s.Log.Count($"commit={sha[..12]} action=");
            daemon.Kill();
            var leftBehind = await s.ContainersAsync();
            output.WriteLine($"round {round}: killed {delay} ms after the fetch, {actionsBefore} actions logged; left: {string.Join("; ", leftBehind)}");

            daemon.Start();
            await s.WaitConvergedAsync(Services.ToDictionary(x => x, _ => image), sha, TimeSpan.FromSeconds(120));
            last = sha;
        }

        // Settled: nothing more to do, no interrupted deployment left open, the data is there.
        await s.WaitSettledAsync(last);
        var history = await daemon.HistoryAsync();
        Assert.DoesNotContain(history, h => h.Result == "in_progress");
        var all = await s.ContainersAsync();
        Assert.Equal(Services.Length, all.Count);
        Assert.DoesNotContain(all, c => c.IsTemporary);
        Assert.Equal(Services.Length, all.Select(c => c.Service).Distinct().Count());
        await s.AssertTokenAsync(token);
        Assert.Equal(round, daemon.Kills);
    }
}
