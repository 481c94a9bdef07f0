using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Daemon;
using Reconciler.Notifications;

namespace Reconciler.Forge;

/// <summary>
/// A repo's calls to its forge, in order, off the passes' path: deploy statuses and previews post
/// here and return at once; one loop delivers with retries (<see cref="DeliveryQueue{T}"/>, as
/// notifications), and a forge that keeps failing shows in /status as provider <c>forge:REPO</c>.
/// </summary>
public sealed class ForgeOutbox
{
    private readonly DeliveryQueue<Func<CancellationToken, Task>> _queue;

    public ForgeOutbox(string repo, IForgeClient client, DaemonStatus status, TimeProvider time, ILogger logger, DeliveryOptions? options = null)
    {
        Repo = repo;
        Client = client;
        _queue = new DeliveryQueue<Func<CancellationToken, Task>>($"forge:{repo}", (call, ct) => call(ct), time, logger,
            status.CountNotification, status.NotifierReported, options);
    }

    public string Repo { get; }

    public IForgeClient Client { get; }

    /// <summary>Queues a call to the forge (retried as a whole when it fails).</summary>
    public void Post(Func<IForgeClient, CancellationToken, Task> call) => _queue.Post(ct => call(Client, ct));

    public Task RunAsync(CancellationToken ct) => _queue.RunAsync(ct);

    /// <summary>One outbox per repo with a <c>forge:</c> block.</summary>
    public static IReadOnlyDictionary<string, ForgeOutbox> For(DaemonConfig config, DaemonStatus status, TimeProvider time, ILogger logger, HttpClient http) =>
        config.Repos.Where(r => r.Forge is not null).ToDictionary(r => r.Name,
            r => new ForgeOutbox(r.Name, ForgeClients.Create(r.Forge!, http), status, time, logger), StringComparer.Ordinal);
}
