using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Daemon;
using Reconciler.TestSupport;

namespace Reconciler.Tests.Daemon;

/// <summary>
/// The daemon's HTTP side alone, on real Kestrel and loopback ports, wired as <c>reconciler run</c>
/// wires it (<see cref="DaemonListeners"/>, <see cref="HttpEndpoints"/>, /metrics); a webhook that
/// passes pokes <see cref="Pokes"/> instead of a repo watcher. Records every log entry.
/// </summary>
internal sealed class TestListener : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestListener(WebApplication app, DaemonConfig config, LogRecorder logs, ConcurrentQueue<string> pokes, DaemonStatus status)
    {
        _app = app;
        Status = status;
        Config = config;
        Logs = logs;
        Pokes = pokes;
    }

    public DaemonConfig Config { get; }

    /// <summary>What the endpoints read: a test plays the daemon's passes on it.</summary>
    public DaemonStatus Status { get; }
    public LogRecorder Logs { get; }
    public ConcurrentQueue<string> Pokes { get; }
    public Uri Metrics => new($"http://{Config.MetricsListen}");
    public Uri Webhook => new($"http://{Config.WebhookListen ?? Config.MetricsListen}");

    /// <summary>Starts on free loopback ports (<paramref name="separateWebhook"/>: a second one for webhook.listen).</summary>
    public static async Task<TestListener> StartAsync(DaemonConfig config, bool separateWebhook = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            var listening = config with
            {
                MetricsListen = $"127.0.0.1:{LoopbackPort.Free()}",
                WebhookListen = separateWebhook ? $"127.0.0.1:{LoopbackPort.Free()}" : null,
            };
            var logs = new LogRecorder();
            var pokes = new ConcurrentQueue<string>();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(o => DaemonListeners.Configure(o, IPEndPoint.Parse(listening.MetricsListen),
                listening.WebhookListen is { } w ? IPEndPoint.Parse(w) : null));
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning); // as `reconciler run` filters
            var app = builder.Build();
            var status = new DaemonStatus(TimeProvider.System);
            HttpEndpoints.Map(app, listening, status, repo =>
            {
                pokes.Enqueue(repo);
                return true;
            });
            global::Reconciler.Observability.ObservabilityServices.MapReconcilerMetrics(app);
            try
            {
                await app.StartAsync();
                return new TestListener(app, listening, logs, pokes, status);
            }
            catch (IOException) when (attempt < 5)
            {
                // a port was taken between the probe and the bind
                await app.DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed record Entry(LogLevel Level, string Category, string Message, Exception? Exception);

    internal sealed class LogRecorder : ILoggerProvider
    {
        private readonly ConcurrentQueue<Entry> _entries = new();

        public IReadOnlyList<Entry> Entries => [.. _entries];

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<Entry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel)) entries.Enqueue(new Entry(logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}
