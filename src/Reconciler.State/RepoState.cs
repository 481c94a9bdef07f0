namespace Reconciler.State;

/// <summary>What the daemon remembers about one repository.</summary>
public sealed record RepoState
{
    /// <summary>The repository's key, as the configuration names it.</summary>
    public required string Repo { get; init; }

    /// <summary>The last head commit seen, by a fetch or a remote check.</summary>
    public string? HeadCommit { get; init; }

    /// <summary>When <see cref="HeadCommit"/> was last seen.</summary>
    public DateTimeOffset? HeadSeenAt { get; init; }

    /// <summary>When a fetch last succeeded.</summary>
    public DateTimeOffset? LastFetchAt { get; init; }
}
