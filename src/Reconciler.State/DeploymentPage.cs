namespace Reconciler.State;

/// <summary>One page of deployment history, newest first.</summary>
/// <param name="Deployments">At most the query's limit.</param>
/// <param name="NextBeforeId">The <see cref="DeploymentQuery.BeforeId"/> of the next page, or null when this is the last.</param>
public sealed record DeploymentPage(IReadOnlyList<Deployment> Deployments, long? NextBeforeId)
{
    public bool Equals(DeploymentPage? other) =>
        other is not null && NextBeforeId == other.NextBeforeId && Deployments.SequenceEqual(other.Deployments);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(NextBeforeId);
        foreach (var deployment in Deployments)
        {
            hash.Add(deployment);
        }
        return hash.ToHashCode();
    }
}
