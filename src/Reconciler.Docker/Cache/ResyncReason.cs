namespace Reconciler.Docker.Cache;

/// <summary>Why the cache listed everything again: the <c>reason</c> of <c>reconciler_cache_resyncs_total</c>.</summary>
public static class ResyncReason
{
    /// <summary>The first list, once the event stream is open.</summary>
    public const string Start = "start";
    /// <summary>The event stream reconnected (dockerd restarted, the socket went away): events may have been missed.</summary>
    public const string Reconnect = "reconnect";
    /// <summary>The periodic check (<see cref="EngineCacheOptions.ResyncInterval"/>).</summary>
    public const string Period = "period";
    /// <summary>Counted in addition to the above when the list differed from the cache: changes the events did not tell.</summary>
    public const string Mismatch = "mismatch";

    public static IReadOnlyList<string> All { get; } = [Start, Reconnect, Period, Mismatch];
}
