using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Reconciler.Configuration;
using Reconciler.Daemon;
using Reconciler.Docker;
using Reconciler.State;

namespace Reconciler.Cli;

/// <summary><c>reconciler run</c>: the daemon. Pulls the config repos and keeps every stack converged.</summary>
internal static partial class RunCommand
{
    public static Command Create()
    {
        var config = DaemonOptions.Config();
        var command = new Command("run", """
            Run the GitOps daemon: poll the configured git repos and keep every stack converged.
            Under systemd (Type=notify) it reports readiness and feeds the watchdog.

            Examples:
              reconciler run --config config.sample.yaml
              reconciler run -c /etc/reconciler/config.yaml
            """);
        command.Options.Add(config);
        command.SetAction(async (result, ct) =>
        {
            var cfg = DaemonOptions.Load(result.GetValue(config)!);
            if (cfg is null) return 1;
            return await RunAsync(cfg, ct);
        });
        return command;
    }

    public static async Task<int> RunAsync(DaemonConfig config, CancellationToken ct)
    {
        // A missing or shared secret file is said now, naming its key, not found at the first fetch
        // or webhook (a missing password_file would otherwise mean anonymous access).
        var secretErrors = SecretFiles.Check(config);
        foreach (var e in secretErrors) Console.Error.WriteLine($"error: {e}");
        if (secretErrors.Count > 0) return 1;
        try
        {
            if (!PrivateFiles.EnsureDirectory(config.StateDir))
                Console.Error.WriteLine($"warning: state_dir {config.StateDir}: cannot close it to other users (chmod 700 it, as its owner)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: state_dir {config.StateDir}: {e.Message}");
            return 1;
        }
        StateDirectoryLock stateLock;
        try
        {
            stateLock = StateDirectoryLock.Acquire(config.StateDir);
        }
        catch (StateDirectoryLockedException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        using var _ = stateLock;
        if (Listen("metrics.listen", config.MetricsListen) is not { } endpoint) return 1;
        IPEndPoint? webhookEndpoint = null;
        if (config.WebhookListen is { } webhookListen && (webhookEndpoint = Listen("webhook.listen", webhookListen)) is null) return 1;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Host.UseSystemd();
        builder.WebHost.UseKestrel(o => DaemonListeners.Configure(o, endpoint, webhookEndpoint));
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = Console.IsOutputRedirected ? null : "HH:mm:ss ";
            // journald and pipes get plain text; a terminal gets colours.
            o.ColorBehavior = Console.IsOutputRedirected ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Default;
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        var services = builder.Services;
        services.AddSingleton(config);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DaemonStatus>();
        services.AddSingleton<Heartbeats>();
        services.AddSingleton(_ => DockerEngine.Connect(config.DockerHost,
            cache: config.EngineCache ? new Reconciler.Docker.Cache.EngineCacheOptions { ResyncInterval = config.ResyncInterval } : null));
        services.AddSingleton<IStateStore>(sp =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Reconciler.State");
            return new SqliteStateStore(new SqliteStateStoreOptions
            {
                StateDirectory = config.StateDir,
                OnCorruptDatabaseRecovered = r => Log.DatabaseRecovered(logger, r.DatabasePath, r.Reason, r.MovedTo),
            }, TimeProvider.System);
        });
        // Outside systemd there is no notify socket; the notifier then does nothing.
        services.TryAddSingleton<Microsoft.Extensions.Hosting.Systemd.ISystemdNotifier, Microsoft.Extensions.Hosting.Systemd.SystemdNotifier>();
        // Observability: metrics recorder, container event watchers, OTLP tracing when configured (before DaemonService, to hear the first pass).
        Observability.ObservabilityServices.AddReconcilerObservability(services, config);
        // Notifications and forge statuses/previews, when configured (before DaemonService, to hear the first pass).
        Notifications.NotificationServices.AddReconcilerNotifications(services, config);
        services.AddSingleton<DaemonService>();
        services.AddHostedService(sp => sp.GetRequiredService<DaemonService>());
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        var app = builder.Build();
        var store = app.Services.GetRequiredService<IStateStore>();
        try
        {
            await store.OpenAsync(ct);
            await store.FailUnfinishedDeploymentsAsync("interrupted: the daemon stopped during this deploy", ct);
        }
        catch (StateStoreUnavailableException e)
        {
            // The daemon still converges without its record; status will say so.
            Console.Error.WriteLine($"warning: state store unavailable, running without history: {e.Message}");
        }
        HttpEndpoints.Map(app, config, app.Services.GetRequiredService<DaemonStatus>(), repo =>
        {
            if (!app.Services.GetRequiredService<DaemonService>().Watchers.TryGetValue(repo, out var watcher)) return false;
            watcher.Poke();
            return true;
        });
        Observability.ObservabilityServices.MapReconcilerMetrics(app); // Observability: GET /metrics
        try
        {
            await app.RunAsync(ct);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException
            or System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse })
        {
            var which = config.WebhookListen is { } w ? $"metrics.listen {config.MetricsListen} or webhook.listen {w}" : $"metrics.listen {config.MetricsListen}";
            Console.Error.WriteLine($"error: {which}: {AddressInUse}");
            return 1;
        }
        return 0;
    }

    private const string AddressInUse = "address already in use (another reconciler, or choose another address)";

    /// <summary>The address to listen on, or null after saying why it cannot be.</summary>
    private static IPEndPoint? Listen(string key, string address)
    {
        if (!IPEndPoint.TryParse(address, out var endpoint))
        {
            Console.Error.WriteLine($"error: {key} \"{address}\" is not an address:port");
            return null;
        }
        // Kestrel binds only after the hosted services started (a first pass could deploy) and
        // fails with a stack trace: a taken address is an operator's error, said in one line first.
        if (ListenProblem(endpoint) is { } problem)
        {
            Console.Error.WriteLine($"error: {key} {address}: {problem}");
            return null;
        }
        return endpoint;
    }

    private static string? ListenProblem(IPEndPoint endpoint)
    {
        using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(endpoint);
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return AddressInUse;
        }
        catch (SocketException e)
        {
            return e.Message;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(51, LogLevel.Warning, "state database {Path} was damaged ({Reason}): moved it to {MovedTo} and started an empty one; stacks start again from their next commit")]
        public static partial void DatabaseRecovered(ILogger logger, string path, string reason, string movedTo);
    }
}
