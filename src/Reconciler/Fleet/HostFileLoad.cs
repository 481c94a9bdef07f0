using Reconciler.Configuration;

namespace Reconciler.Fleet;

/// <summary>
/// The host file as one commit of the fleet repo holds it: the stacks it lists, or why it cannot
/// be used (YAML, keys, repos, names — each error with file:line and key path).
/// </summary>
public sealed record HostFileLoad(string File, string Repo, string Commit)
{
    /// <summary>The file read and checked; null when it is missing or has errors.</summary>
    public HostFile? HostFile { get; init; }

    /// <summary>The file's text as read (kept as the last good host file when it is used).</summary>
    public string? Text { get; init; }

    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>The commit's message carries <see cref="EmptyHostPermission"/>'s trailer for this host.</summary>
    public bool AllowsEmpty { get; init; }

    public StackOrigin Origin => new(File, Repo, Commit);

    /// <summary>Reads and checks <paramref name="text"/> (null: the commit has no such file) against the daemon config.</summary>
    public static HostFileLoad Of(DaemonConfig config, string file, string repo, string commit, string? text, string message)
    {
        var load = new HostFileLoad(file, repo, commit) { Text = text, AllowsEmpty = EmptyHostPermission.Allows(message, config.HostId) };
        if (text is null)
            return load with
            {
                Errors = [$"{file}: not found at {repo}@{Short(commit)}: create it (a host with no stacks yet is \"stacks: []\"), or check host_id ({config.HostId}) and fleet.path"],
            };
        var (hostFile, errors) = DaemonConfigReader.ParseHostFile(text, config, load.Origin);
        return load with { HostFile = hostFile, Errors = [.. errors.Select(e => e.ToString())] };
    }

    internal static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;
}
