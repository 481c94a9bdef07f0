namespace Reconciler.Configuration;

/// <summary>
/// <c>image_gc:</c> what garbage collection after a deploy keeps: the images of every stack's last
/// <see cref="KeepCommits"/> good commits (the running one and its rollback targets), anything a
/// container uses, anything Reconciler did not pull itself, and anything pulled less than
/// <see cref="GracePeriod"/> ago.
/// </summary>
public sealed record ImageGcSettings
{
    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromHours(1);

    public bool Enabled { get; init; } = true;

    /// <summary>Good commits per stack whose images stay: the current one and <c>KeepCommits - 1</c> rollback targets.</summary>
    public int KeepCommits { get; init; } = 3;

    public TimeSpan GracePeriod { get; init; } = DefaultGracePeriod;
}
