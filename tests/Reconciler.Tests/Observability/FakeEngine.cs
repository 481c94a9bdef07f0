using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;
using Reconciler.Docker;

namespace Reconciler.Tests.Observability;

/// <summary>
/// The engine as a <see cref="ContainerEventWatcher"/> sees it, scripted: containers whose inspect the
/// test sets, and event streams that change those containers and then emit an event, step by step,
/// as the real engine does (the state is already changed when the event is read).
/// </summary>
internal sealed class FakeEngine(string project) : IDockerEventSource, IObservedStateReader, IDockerContainerOperations
{
    public static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2025-01-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private readonly Dictionary<string, (string Service, ContainerRuntimeState State)> _containers = new(StringComparer.Ordinal);
    private readonly Queue<IReadOnlyList<Step>> _streams = new();

    public int Inspects { get; private set; }
    public int Connects { get; private set; }

    /// <summary>One step of a stream: change the engine, then (if any) emit an event.</summary>
    public sealed record Step(Action Change, ContainerEvent? Event);

    public void Set(string service, ContainerRuntimeState state) => _containers[state.Id] = (service, state);

    public void Remove(string id) => _containers.Remove(id);

    /// <summary>The next connection's stream; it ends (as when the engine restarts) after its last step.</summary>
    public void Stream(params Step[] steps) => _streams.Enqueue(steps);

    public Step Emit(string id, string action, DateTimeOffset at, Action? change = null) =>
        new(change ?? (() => { }), Event(id, action, at));

    public ContainerEvent Event(string id, string action, DateTimeOffset at)
    {
        var service = _containers.TryGetValue(id, out var c) ? c.Service : "web";
        return new ContainerEvent
        {
            ContainerId = id,
            Action = action,
            Time = at,
            Attributes = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
            {
                [ComposeLabels.Project] = project,
                [ComposeLabels.Service] = service,
                ["name"] = $"{project}-{service}-1",
            }),
        };
    }

    public static ContainerRuntimeState Running(string id, long restarts, DateTimeOffset started, string? health = null) => new()
    {
        Id = id, Name = id, Status = "running", Running = true, RestartCount = restarts, StartedAt = started, HealthStatus = health,
    };

    /// <summary>
    /// A stopped container; <paramref name="status"/> "restarting" when its restart policy will start it
    /// again, and then (as the engine does) <paramref name="restarts"/> already counts that restart.
    /// </summary>
    public static ContainerRuntimeState Exited(string id, long restarts, DateTimeOffset started, DateTimeOffset finished, long exitCode = 1, bool oom = false, string status = "exited") => new()
    {
        Id = id, Name = id, Status = status, Restarting = status == "restarting", RestartCount = restarts, StartedAt = started,
        FinishedAt = finished, ExitCode = exitCode, OomKilled = oom,
    };

    public async IAsyncEnumerable<ContainerEvent> ContainerEventsAsync(string p, DateTimeOffset? since = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        Connects++;
        if (!_streams.TryDequeue(out var steps))
        {
            // No more scripted connections: an idle engine.
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            yield break;
        }
        foreach (var step in steps)
        {
            step.Change();
            if (step.Event is { } e) yield return e;
        }
    }

    public Task<ObservedState> ReadAsync(string p, IReadOnlyCollection<string> wantedContainerNames, CancellationToken ct = default,
        IReadOnlyCollection<string>? wantedResourceNames = null) =>
        Task.FromResult(new ObservedState
        {
            Containers =
            [
                .. _containers.Values.Select(c => new ObservedContainer
                {
                    Id = c.State.Id,
                    Name = c.State.Name,
                    Image = "busybox",
                    State = c.State.Status,
                    Labels = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
                    {
                        [ComposeLabels.Project] = project,
                        [ComposeLabels.Service] = c.Service,
                    }),
                }),
            ],
        });

    public Task<ContainerRuntimeState?> InspectAsync(string containerId, CancellationToken ct = default)
    {
        Inspects++;
        return Task.FromResult(_containers.TryGetValue(containerId, out var c) ? c.State : null);
    }

    public Task<CreatedContainer> CreateAsync(ContainerSpec spec, CancellationToken ct = default) => throw new NotSupportedException();
    public Task ConnectNetworkAsync(string containerId, string networkName, EndpointSpec endpoint, CancellationToken ct = default) => throw new NotSupportedException();
    public Task StartAsync(string containerId, CancellationToken ct = default) => throw new NotSupportedException();
    public Task StopAsync(string containerId, TimeSpan? grace = null, CancellationToken ct = default) => throw new NotSupportedException();
    public Task RemoveAsync(string containerId, bool removeAnonymousVolumes = false, bool force = false, CancellationToken ct = default) => throw new NotSupportedException();
    public Task RenameAsync(string containerId, string newName, CancellationToken ct = default) => throw new NotSupportedException();
}
