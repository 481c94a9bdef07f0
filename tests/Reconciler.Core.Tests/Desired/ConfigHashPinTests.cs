using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Desired;
using Reconciler.Core.Tests.Compose.Loading;

namespace Reconciler.Core.Tests.Desired;

/// <summary>
/// The config hash is written on every container Reconciler creates; a later version that hashes
/// the same project differently would recreate every container of every stack on upgrade. These
/// are the hashes Reconciler 0.1.0 computed for the golden projects (config-hashes.txt), and every
/// later version must compute the same. Regenerate only on a deliberate, documented format change:
/// RECORD_CONFIG_HASHES=1 dotnet test --filter ConfigHashPinTests.
/// </summary>
public class ConfigHashPinTests
{
    private static string PinFile => Path.Combine(AppContext.BaseDirectory, "Desired", "config-hashes.txt");

    [Fact]
    public void Golden_projects_hash_as_they_did_in_version_0_1_0()
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
    private static IEnumerable<string> HashesOf(string caseName)
    {
        var diskDir = Path.Combine(GoldenCases.Root, caseName);
        var virtualDir = "/srv/" + caseName;
        var files = Directory.GetFiles(diskDir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => virtualDir + "/" + Path.GetRelativePath(diskDir, f).Replace('\\', '/'), File.ReadAllText);
        var options = GoldenCases.Options(caseName) with { WorkingDirectory = virtualDir };
        var result = ComposeLoader.Load(options, new InMemoryFiles(files));
        Assert.True(result.Success, caseName + ": " + string.Join("\n", result.Diagnostics));
        var desired = DesiredStateBuilder.Build(result.Project!, new InMemoryFiles(files));
        return desired.Services.Values.Select(s => $"{caseName}/{s.Name} {s.ConfigHash}");
    }

    private static string FindTestsDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Reconciler.Core.Tests.csproj"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Reconciler.Core.Tests.csproj not found above " + AppContext.BaseDirectory);
    }
}
