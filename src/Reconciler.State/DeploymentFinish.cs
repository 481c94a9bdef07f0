namespace Reconciler.State;

/// <summary>How a deployment ended; see <see cref="IStateStore.FinishDeploymentAsync"/>.</summary>
public sealed record DeploymentFinish(DeploymentResult Result, int ActionCount, string? Error = null);
