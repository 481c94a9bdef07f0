namespace Reconciler.Core.Planning;

/// <summary>
/// The labels the planner reads on observed containers and writes into every container spec it
/// plans. The <c>com.docker.compose.*</c> ones are docker compose's own, so a stack deployed by
/// <c>docker compose up</c> is adopted as-is and <c>docker compose ps</c> keeps working on ours.
/// </summary>
public static class ContainerLabels
{
    /// <summary>The project (stack) name. Containers without it, or with another value, are never touched.</summary>
    public const string Project = "com.docker.compose.project";

    /// <summary>The compose service the container belongs to.</summary>
    public const string Service = "com.docker.compose.service";

    /// <summary>Replica number, 1-based.</summary>
    public const string ContainerNumber = "com.docker.compose.container-number";

    /// <summary>"True" on <c>docker compose run</c> containers; the planner ignores those entirely.</summary>
    public const string OneOff = "com.docker.compose.oneoff";

    /// <summary><see cref="Desired.DesiredService.ConfigHash"/> at creation; a different value means recreate.</summary>
    public const string ConfigHash = "com.docker.compose.config-hash";

    /// <summary>
    /// Reconciler's own: the service's flattened fields at creation (<see cref="SpecLabel"/>), so the
    /// next plan can say which fields changed rather than only that the hash did.
    /// </summary>
    public const string Spec = SpecLabel.Name;
}
