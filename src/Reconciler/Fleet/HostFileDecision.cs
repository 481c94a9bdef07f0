using Reconciler.Configuration;

namespace Reconciler.Fleet;

/// <summary>What to do with a host file read at a new commit: use it, or keep the stacks as they are and say why.</summary>
public abstract record HostFileDecision
{
    public sealed record Use(HostFile HostFile) : HostFileDecision;

    /// <param name="Reason">A stable word for metrics and logs: <c>invalid</c> or <c>empty</c>.</param>
    public sealed record Refuse(string Reason, string Message) : HostFileDecision;

    /// <summary>
    /// Refuses a host file with errors, and one that would drop every stack the host runs from the
    /// fleet at once unless its commit says so (<see cref="EmptyHostPermission"/>). Pure.
    /// </summary>
    /// <param name="running">The stacks of the host file in use now (none before the first good one).</param>
    public static HostFileDecision Of(HostFileLoad load, IReadOnlyCollection<StackConfig> running, string hostId)
    {
        if (load.HostFile is not { } file)
            return new Refuse("invalid", $"host file {load.File} at {load.Repo}@{HostFileLoad.Short(load.Commit)} refused, every stack keeps its last good state: {string.Join("; ", load.Errors)}");
        if (file.Stacks.IsEmpty && running.Count > 0 && !load.AllowsEmpty)
            return new Refuse("empty", $"host file {load.File} at {load.Repo}@{HostFileLoad.Short(load.Commit)} would remove every stack of this host ({string.Join(", ", running.Select(s => s.Name))}) and is refused: "
                + $"if that is meant, say so in the commit message with the line \"{EmptyHostPermission.Trailer}: {hostId}\"");
        return new Use(file);
    }
}
