using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Desired;
using Reconciler.Core.Tests.Compose.Loading;

namespace Reconciler.Core.Tests.Desired;

/// <summary>A golden case's desired state, loaded from memory under /srv/CASE so hashes do not depend on where the checkout lives.</summary>
internal static class GoldenDesired
{
    /// <param name="projectName">As <c>-p</c>: compose's hash recordings ran under "rh-CASE" (it reaches ${COMPOSE_PROJECT_NAME}).</param>
    public static DesiredProject Load(string caseName, string? projectName = null)
    {
        var diskDir = Path.Combine(GoldenCases.Root, caseName);
        var virtualDir = "/srv/" + caseName;
        var files = Directory.GetFiles(diskDir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => virtualDir + "/" + Path.GetRelativePath(diskDir, f).Replace('\\', '/'), File.ReadAllText);
        var options = GoldenCases.Options(caseName) with { WorkingDirectory = virtualDir };
        if (projectName is not null) options = options with { ProjectName = projectName };
        var result = ComposeLoader.Load(options, new InMemoryFiles(files));
        Assert.True(result.Success, caseName + ": " + string.Join("\n", result.Diagnostics));
        return DesiredStateBuilder.Build(result.Project!, new InMemoryFiles(files));
    }
}
