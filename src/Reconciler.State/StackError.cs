namespace Reconciler.State;

/// <summary>
/// Why a stack's last pass failed, with where the problem is when a file is to blame
/// (<c>compose.yaml:12</c>) and the commit it was found in. Never holds secrets: callers pass
/// messages that are already fit for a log line.
/// </summary>
public sealed record StackError(string Message)
{
    /// <summary>The commit the failing pass worked on.</summary>
    public string? Commit { get; init; }

    /// <summary>The file at fault, relative to the repository root.</summary>
    public string? File { get; init; }

    /// <summary>The 1-based line in <see cref="File"/>.</summary>
    public int? Line { get; init; }

    /// <summary><c>compose.yaml:12: message (commit 3f2a9c1)</c>; parts that are not known are left out.</summary>
    public override string ToString()
    {
        var location = (File, Line) switch
        {
            (null, _) => "",
            ({ } file, null) => $"{file}: ",
            ({ } file, { } line) => $"{file}:{line}: ",
        };
        var commit = Commit is null ? "" : $" (commit {Commit})";
        return location + Message + commit;
    }
}
