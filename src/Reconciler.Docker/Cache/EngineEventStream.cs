using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Reconciler.Docker.Wire;

namespace Reconciler.Docker.Cache;

/// <summary>
/// The engine's event stream for every container, network, volume and image on the host. Opened
/// before the cache lists anything, so nothing that happens during the list is missed: the list
/// plus every event read after it is the engine's state (raw request rather than Docker.DotNet's
/// monitor call, because only the raw response says when the stream is open).
/// </summary>
internal sealed class EngineEventStream : IAsyncDisposable
{
    /// <summary>The kinds the cache follows (not daemon, plugin, service, …).</summary>
    private const string Filters = """{"type":{"container":true,"network":true,"volume":true,"image":true}}""";

    private readonly HttpResponseMessage _response;
    private readonly Stream _body;

    private EngineEventStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _body = body;
    }

    /// <summary>Returns once the engine has accepted the request: from then on, every change is in the stream.</summary>
    public static async Task<EngineEventStream> OpenAsync(EngineHttp http, CancellationToken ct)
    {
        var response = await http.OpenStreamAsync("events?filters=" + Uri.EscapeDataString(Filters), "watch events", "(all)", ct).ConfigureAwait(false);
        try
        {
            return new EngineEventStream(response, await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Events in stream order until the engine closes the stream (then it ends) or the transport fails (then it throws).</summary>
    public async IAsyncEnumerable<EngineEvent> ReadAsync([EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(_body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 16 * 1024, leaveOpen: true);
        while (true)
        {
            var line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
            if (line is null) yield break;
            if (Parse(line) is { } ev) yield return ev;
        }
    }

    /// <summary>One JSON line to an event; null for blank or unreadable lines and for events without an actor.</summary>
    internal static EngineEvent? Parse(string line)
    {
        if (string.IsNullOrWhiteSpace(line)) return null;
        EventBody? body;
        try
        {
            body = JsonSerializer.Deserialize(line, WireJson.Default.EventBody);
        }
        catch (JsonException)
        {
            return null;
        }
        if (body is not { Type: { Length: > 0 } type, Action: { Length: > 0 } action, Actor.ID: { Length: > 0 } id }) return null;
        var attributes = body.Actor.Attributes is { Count: > 0 } a
            ? a.ToImmutableSortedDictionary(StringComparer.Ordinal)
            : ImmutableSortedDictionary<string, string>.Empty;
        var time = body.TimeNano > 0 ? DateTimeOffset.UnixEpoch.AddTicks(body.TimeNano / 100)
            : body.Time > 0 ? DateTimeOffset.FromUnixTimeSeconds(body.Time) : DateTimeOffset.UnixEpoch;
        return new EngineEvent { Type = type, Action = action, ActorId = id, Attributes = attributes, Time = time };
    }

    public async ValueTask DisposeAsync()
    {
        await _body.DisposeAsync().ConfigureAwait(false);
        _response.Dispose();
    }
}
