using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Prometheus;
using Reconciler.Configuration;
using Reconciler.Docker;
using Reconciler.Tracing;

namespace Reconciler.Observability;

/// <summary>The daemon's observability wiring: what <c>reconciler run</c> registers and maps.</summary>
internal static class ObservabilityServices
{
    /// <summary>
    /// Registers the metrics (on prometheus-net's default registry, with its .NET and process
    /// metrics), the recorder of pass and fetch results, one container event watcher per stack, and,
    /// only when <c>telemetry.otlp_endpoint</c> is set, the OpenTelemetry tracer exporting over OTLP.
    /// Call before the daemon's own hosted service so the recorder listens before the first pass ends.
    /// </summary>
    public static IServiceCollection AddReconcilerObservability(this IServiceCollection services, DaemonConfig config)
    {
        services.AddSingleton(_ =>
        {
            // Process and .NET stats only: the event-counter and meter adapters would export every
            // meter in the process (internal QUIC counters among them) under names promtool rejects.
            Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
            {
                SuppressProcessMetrics = false,
                SuppressEventCounters = true,
                SuppressMeters = true,
                SuppressDebugMetrics = true,
            });
            return new ReconcilerMetrics(Metrics.DefaultRegistry);
        });
        services.AddSingleton<MetricsRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<MetricsRecorder>());
        services.AddSingleton<IHostedService>(sp => new CacheResyncCounter(sp.GetRequiredService<DockerEngine>().Cache, sp.GetRequiredService<ReconcilerMetrics>()));
        services.AddSingleton<IHostedService>(sp => new HostPressureSampler(config, sp.GetRequiredService<DockerEngine>().Host,
            sp.GetRequiredService<ReconcilerMetrics>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Reconciler.Observability"), sp.GetRequiredService<Daemon.ActiveStacks>()));
        // One container event watcher per stack that runs now: the set follows the fleet's host file.
        services.AddSingleton<IHostedService>(sp => new ContainerWatchers(config, sp.GetRequiredService<Daemon.ActiveStacks>(),
            sp.GetRequiredService<DockerEngine>(), sp.GetRequiredService<ReconcilerMetrics>(), sp.GetRequiredService<MetricsRecorder>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        if (config.OtlpEndpoint is { Length: > 0 } endpoint)
        {
            // Off by default: without this no listener exists and spans cost one check each.
            services.AddOpenTelemetry()
                .ConfigureResource(r => r.AddService("reconciler", serviceVersion: ReconcilerMetrics.Version))
                .WithTracing(t => t
                    .AddSource(ReconcilerTelemetry.SourceName)
                    .AddOtlpExporter(o => ConfigureOtlp(o, endpoint)));
        }
        return services;
    }

    /// <summary>Serves prometheus-net's default registry in the text exposition format at <c>GET /metrics</c>.</summary>
    public static void MapReconcilerMetrics(this WebApplication app) => app.MapMetrics("/metrics");

    /// <summary>
    /// gRPC (<c>http://collector:4317</c>) unless the URL names the OTLP/HTTP traces path
    /// (<c>http://collector:4318/v1/traces</c>), which is then used as given.
    /// </summary>
    internal static void ConfigureOtlp(OtlpExporterOptions o, string endpoint)
    {
        if (TelemetrySettings.OtlpEndpointError(endpoint) is { } error) throw new InvalidOperationException(error);
        var uri = new Uri(endpoint);
        o.Endpoint = uri;
        o.Protocol = uri.AbsolutePath.TrimEnd('/').EndsWith("/v1/traces", StringComparison.Ordinal)
            ? OtlpExportProtocol.HttpProtobuf
            : OtlpExportProtocol.Grpc;
    }
}
