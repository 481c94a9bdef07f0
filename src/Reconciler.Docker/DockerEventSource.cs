using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Reconciler.Docker;

internal sealed class DockerEventSource(IDockerClient client, DockerEndpoint endpoint) : IDockerEventSource
{
    public async IAsyncEnumerable<ContainerEvent> ContainerEventsAsync(string project, DateTimeOffset? since = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(project);
        var parameters = new ContainerEventsParameters
        {
            Since = since?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)!,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true },
                ["label"] = new Dictionary<string, bool> { [$"{ObservedStateReader.ProjectLabel}={project}"] = true },
            },
        };

        var channel = Channel.CreateUnbounded<ContainerEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pump = Task.Run(async () =>
        {
            try
            {
                // The messages are written to the channel synchronously, in stream order.
                await EngineErrors.Run(endpoint, "watch events", $"of project '{project}'",
                    () => client.System.MonitorEventsAsync(parameters, new Sink(channel.Writer), stop.Token), stop.Token).ConfigureAwait(false);
                channel.Writer.TryComplete();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
        }, CancellationToken.None);

        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await channel.Reader.WaitToReadAsync(ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    yield break;
                }
                if (!more)
                {
                    yield break;
                }
                while (channel.Reader.TryRead(out var ev))
                {
                    yield return ev;
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(false);
        }
    }

    private sealed class Sink(ChannelWriter<ContainerEvent> writer) : IProgress<Message>
    {
        public void Report(Message value)
        {
            if (ToEvent(value) is { } ev)
            {
                writer.TryWrite(ev);
            }
        }
    }

    internal static ContainerEvent? ToEvent(Message m)
    {
        var id = m.Actor?.ID;
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(m.Action))
        {
            return null;
        }
        var attributes = m.Actor!.Attributes is { Count: > 0 } a
            ? a.ToImmutableSortedDictionary()
            : ImmutableSortedDictionary<string, string>.Empty;
        var time = m.TimeNano is { } ns and > 0
            ? DateTimeOffset.UnixEpoch.AddTicks(ns / 100)
            : m.Time is { } s and > 0 ? DateTimeOffset.FromUnixTimeSeconds(s) : DateTimeOffset.UtcNow;
        return new ContainerEvent
        {
            ContainerId = id,
            Action = m.Action,
            Name = attributes.TryGetValue("name", out var name) ? name : null,
            Attributes = attributes,
            Time = time,
        };
    }
}
