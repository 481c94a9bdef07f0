namespace Reconciler.State;

/// <summary>
/// A page of deployment history, newest first. The first page leaves <see cref="BeforeId"/> unset;
/// the next one passes the previous page's <see cref="DeploymentPage.NextBeforeId"/>. Paging by id
/// rather than by offset keeps pages stable while new deployments are added.
/// </summary>
public sealed record DeploymentQuery
{
    public const int MaxLimit = 1000;

    /// <summary>One stack's history, or every stack's when null.</summary>
    public string? Stack { get; init; }

    /// <summary>At most this many deployments (1 to <see cref="MaxLimit"/>).</summary>
    public int Limit { get; init; } = 20;

    /// <summary>Only deployments with an id below this one.</summary>
    public long? BeforeId { get; init; }
}
