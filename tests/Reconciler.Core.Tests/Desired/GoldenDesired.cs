using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Desired;
using Reconciler.Core.Tests.Compose.Loading;

namespace Reconciler.Core.Tests.Desired;

/// <summary>A golden case's desired state, loaded from memory under /srv/CASE so hashes do not depend on where the checkout lives.</summary>
internal static class GoldenDesired
{
    public static DesiredProject Load(string caseName)
    {
        var diskDir = Path.Combine(GoldenCases.Root, caseName);
        var virtualDir = "/srv/" + caseName;
        var files = Directory.GetFiles(diskDir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => virtualDir + "/" + Path.GetRelativePath(diskDir, f).Replace('\\', '/'), File.ReadAllText);
        var options = GoldenCases.Options(caseName) with { WorkingDirectory = virtualDir };
        var result = ComposeLoader.Load(options, new InMemoryFiles(files));
        Assert.True(result.Success, caseName + ": " + string.Join("\n", result.Diagnostics));
        return DesiredStateBuilder.Build(result.Project!, new InMemoryFiles(files));
    }
}
