namespace Reconciler.Configuration;

/// <summary>
/// <c>fleet:</c> of the daemon config: the stacks of this host are also listed in a file of a
/// configured repo, so that adding, moving or removing a stack is a commit, not a login.
/// </summary>
public sealed record FleetConfig
{
    public const string HostIdPlaceholder = "{host_id}";
    public const string DefaultPath = "hosts/{host_id}.yaml";

    /// <summary>The repo (a name under <c>repos:</c>) that holds the host files.</summary>
    public required string Repo { get; init; }

    /// <summary>The host file's path in the repo, with <c>{host_id}</c> standing for a host's id.</summary>
    public string PathTemplate { get; init; } = DefaultPath;

    /// <summary>The host file of <paramref name="hostId"/>: the template with the id put in.</summary>
    public string HostFile(string hostId) => PathTemplate.Replace(HostIdPlaceholder, hostId, StringComparison.Ordinal);

    /// <summary>
    /// The host id a repo path stands for under this template, or null when the path is not a host
    /// file (used by <c>validate --all-hosts</c> to find every host's file).
    /// </summary>
    public string? HostIdOf(string path)
    {
        var at = PathTemplate.IndexOf(HostIdPlaceholder, StringComparison.Ordinal);
        if (at < 0) return path == PathTemplate ? "" : null;
        var prefix = PathTemplate[..at];
        var suffix = PathTemplate[(at + HostIdPlaceholder.Length)..];
        if (path.Length <= prefix.Length + suffix.Length || !path.StartsWith(prefix, StringComparison.Ordinal)
            || !path.EndsWith(suffix, StringComparison.Ordinal)) return null;
        var id = path[prefix.Length..^suffix.Length];
        return HostIds.Problem(id) is null ? id : null;
    }
}

/// <summary>Where a stack was declared: the daemon config (no commit), or a host file at a commit of a repo.</summary>
public sealed record StackOrigin(string File, string? Repo = null, string? Commit = null)
{
    public override string ToString() => Commit is null ? File : $"{Repo}:{File}@{(Commit.Length > 12 ? Commit[..12] : Commit)}";
}
