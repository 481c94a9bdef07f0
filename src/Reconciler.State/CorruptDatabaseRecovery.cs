namespace Reconciler.State;

/// <summary>
/// The database was damaged, so it was renamed to <see cref="MovedTo"/> (kept for a human to
/// look at) and an empty one took its place: every stack starts again from
/// <see cref="StackState.Initial"/>. Worth a warning in the log.
/// </summary>
/// <param name="DatabasePath">Where the damaged database was, and the new one is.</param>
/// <param name="MovedTo">Where the damaged database is now, <c>state.db.corrupt-20261125T184700Z</c>.</param>
/// <param name="Reason">What SQLite reported, e.g. <c>file is not a database</c>.</param>
/// <param name="At">When it was moved.</param>
public sealed record CorruptDatabaseRecovery(string DatabasePath, string MovedTo, string Reason, DateTimeOffset At)
{
    public override string ToString() =>
        $"state database {DatabasePath} was damaged ({Reason}); moved it to {MovedTo} and started an empty one";
}
