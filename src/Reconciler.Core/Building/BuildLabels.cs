namespace Reconciler.Core.Building;

/// <summary>The labels Reconciler puts on the images it builds, besides compose's project and service labels.</summary>
public static class BuildLabels
{
    /// <summary>The <see cref="BuildDigest"/> of the inputs the image was built from; the planner rebuilds when it differs.</summary>
    public const string Digest = "dev.reconciler.build-digest";
}
