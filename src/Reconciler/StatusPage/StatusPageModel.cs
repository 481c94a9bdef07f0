using Reconciler.Daemon;
using Reconciler.State;

namespace Reconciler.StatusPage;

/// <summary>
/// Everything the status page shows, gathered before rendering so that <see cref="StatusPageRenderer"/>
/// is a pure function of it: the live <c>/status</c> document, and per configured stack what its
/// config says of it (repo url already redacted), its record and recent history in the state store,
/// and the plan of its last pass.
/// </summary>
public sealed record StatusPageModel
{
    public required StatusDocument Status { get; init; }

    /// <summary>The configured stacks, by name.</summary>
    public required IReadOnlyList<StackPage> Stacks { get; init; }

    /// <summary>When the page was made (its times are shown as they are, in UTC).</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>The host the daemon runs on, for the title.</summary>
    public string Host { get; init; } = "";

    public string Version { get; init; } = "";

    /// <summary>How often the page reloads itself.</summary>
    public int RefreshSeconds { get; init; } = 10;

    /// <summary>Why the state store could not be read, when it could not (the page then shows what the daemon knows live).</summary>
    public string? StateError { get; init; }
}

/// <summary>One stack as the page shows it.</summary>
/// <param name="RepoUrl">The repo's url with credentials redacted (<see cref="Git.GitRemote.RedactedUrl"/>).</param>
/// <param name="State">Its record in the state store (what <c>reconciler status</c> shows); null when none (yet) or unreadable.</param>
/// <param name="History">Its latest deployments, newest first.</param>
/// <param name="Plan">The plan its last planning pass computed; null before one.</param>
public sealed record StackPage(
    string Name,
    string Repo,
    string RepoUrl,
    string Branch,
    string Path,
    StackState? State,
    IReadOnlyList<Deployment> History,
    RecordedPlan? Plan);
