namespace Reconciler.Docker.Wire;

/// <summary>One line of <c>GET /events</c>, as API 1.41 writes it (the legacy status/id/from fields are not read).</summary>
internal sealed class EventBody
{
    public string? Type { get; set; }
    public string? Action { get; set; }
    public EventActorBody? Actor { get; set; }
    public long Time { get; set; }
    public long TimeNano { get; set; }
}

internal sealed class EventActorBody
{
    public string? ID { get; set; }
    public Dictionary<string, string>? Attributes { get; set; }
}
