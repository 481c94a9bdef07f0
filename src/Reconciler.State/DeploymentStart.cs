namespace Reconciler.State;

/// <summary>What is known when a deployment starts; see <see cref="IStateStore.StartDeploymentAsync"/>.</summary>
public sealed record DeploymentStart(string Stack, string Commit, DeploymentTrigger Trigger)
{
    public string? Author { get; init; }

    public string? Subject { get; init; }
}
