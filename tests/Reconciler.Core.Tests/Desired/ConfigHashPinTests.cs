using Reconciler.Core.Desired;
using Reconciler.Core.Tests.Compose.Loading;

namespace Reconciler.Core.Tests.Desired;

/// <summary>
/// Reconciler 0.1 wrote its own hash in <c>com.docker.compose.config-hash</c>; the containers it
/// created still carry it, and are recognised as in sync only while the same project hashes the same
/// (<see cref="DesiredService.LegacyConfigHash"/>). These are the hashes 0.1.0 computed for the
/// golden projects (config-hashes.txt); the legacy computation must not drift. Regenerate only on a
/// deliberate, documented change: RECORD_CONFIG_HASHES=1 dotnet test --filter ConfigHashPinTests.
/// </summary>
public class ConfigHashPinTests
{
    private static string PinFile => Path.Combine(AppContext.BaseDirectory, "Desired", "config-hashes.txt");

    [Fact]
    public void Golden_projects_legacy_hash_as_version_0_1_0_hashed_them()
    {
        var actual = GoldenCases.Valid().Select(c => (string)c[0]).SelectMany(HashesOf).ToList();
        Assert.True(actual.Count > 50, $"only {actual.Count} services hashed: the golden cases went missing");
        if (Environment.GetEnvironmentVariable("RECORD_CONFIG_HASHES") == "1")
        {
            var source = Path.Combine(FindTestsDir(), "Desired", "config-hashes.txt");
            File.WriteAllLines(source, actual);
            return;
        }
        var expected = File.ReadAllLines(PinFile).Where(l => l.Length > 0).ToList();
        var changed = expected.Except(actual).ToList();
        Assert.True(changed.Count == 0 && expected.Count == actual.Count,
            $"config hashes changed for:\n{string.Join("\n", changed)}\nnow:\n{string.Join("\n", actual.Except(expected))}");
    }

    [Fact]
    public void The_hash_does_not_depend_on_where_the_checkout_lives_on_disk_beyond_the_working_dir()
    {
        // Same project, same virtual directory, loaded twice: identical hashes (no time, no randomness).
        var first = HashesOf("web-stack").ToList();
        var second = HashesOf("web-stack").ToList();
        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    /// <summary>"case/service hash" per service, the project loaded from memory under /srv/CASE so the machine's paths don't matter.</summary>
    private static IEnumerable<string> HashesOf(string caseName) =>
        GoldenDesired.Load(caseName).Services.Values.Select(s => $"{caseName}/{s.Name} {s.LegacyConfigHash}");

    internal static string FindTestsDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Reconciler.Core.Tests.csproj"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Reconciler.Core.Tests.csproj not found above " + AppContext.BaseDirectory);
    }
}
