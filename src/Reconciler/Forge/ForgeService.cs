using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Daemon;
using Reconciler.Docker;
using Reconciler.Notifications;

namespace Reconciler.Forge;

/// <summary>
/// The forge side of the daemon, for repos with <c>forge:</c>: deploy statuses
/// (<see cref="DeployStatusReporter"/>, listening before the first pass ends), each repo's outbox
/// loop, and the preview watchers of repos with <c>previews: true</c> (started once the daemon has
/// created the repos' mirrors, which they fetch request heads into).
/// </summary>
public sealed class ForgeService : BackgroundService
{
    private readonly DaemonConfig _config;
    private readonly DaemonService _daemon;
    private readonly DockerEngine _engine;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IReadOnlyDictionary<string, ForgeOutbox> _outboxes;
    private readonly DeployStatusReporter _statuses;

    public ForgeService(DaemonConfig config, DaemonStatus status, DaemonService daemon, DockerEngine engine, TimeProvider time, ILoggerFactory loggers)
    {
        _config = config;
        _daemon = daemon;
        _engine = engine;
        _time = time;
        _logger = loggers.CreateLogger("Reconciler.Forge");
        _outboxes = ForgeOutbox.For(config, status, time, _logger, HttpDelivery.NewClient());
        // The host as statuses and comments name it (the config's host id, once it exists, goes here).
        _statuses = new DeployStatusReporter(config, status, _outboxes);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _statuses.Attach();
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _statuses.Detach();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = _outboxes.Values.Select(o => Task.Run(() => o.RunAsync(stoppingToken), stoppingToken)).ToList();
        var previewed = _config.Repos.Where(r => r.Forge is { Previews: true } && _outboxes.ContainsKey(r.Name)).ToList();
        if (previewed.Count > 0)
        {
            var mirrors = await _daemon.Mirrors.WaitAsync(stoppingToken).ConfigureAwait(false);
            foreach (var repo in previewed)
            {
                var planners = _config.Stacks.Where(s => s.Repo == repo.Name)
                    .Select(s => new PreviewPlanner(s, mirrors[repo.Name], _engine, _config.StateDir, _time)).ToList();
                var watcher = new PreviewWatcher(repo, mirrors[repo.Name], planners, _outboxes[repo.Name], _time, _logger, _statuses.Host);
                loops.Add(Task.Run(() => watcher.RunAsync(stoppingToken), stoppingToken));
            }
        }
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
