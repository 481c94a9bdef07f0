namespace Reconciler.Core.Compose;

/// <summary>
/// Text from a user's file as quoted in a diagnostic: cut to <see cref="MaxLength"/> characters so a
/// megabyte-long key or value never lands whole in a log line, a status page or the state store.
/// Values read from env or secret files are never quoted at all (their callers say line and column).
/// </summary>
internal static class Excerpt
{
    public const int MaxLength = 120;

    public static string Of(string text) =>
        text.Length <= MaxLength ? text : string.Concat(text.AsSpan(0, MaxLength), "…");

    /// <summary>The excerpt in double quotes, as most messages quote names and values.</summary>
    public static string Quoted(string text) => "\"" + Of(text) + "\"";
}
