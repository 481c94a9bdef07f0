using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Daemon;

namespace Reconciler.Notifications;

/// <summary>The daemon's outbound wiring: what <c>reconciler run</c> registers when the config asks for it (nothing otherwise).</summary>
internal static class NotificationServices
{
    /// <summary>
    /// Notification providers (<c>notifications:</c>) and the forge side of repos with <c>forge:</c>
    /// (deploy statuses, plan previews). Call before the daemon's own hosted service, so both listen
    /// before the first pass ends.
    /// </summary>
    public static IServiceCollection AddReconcilerNotifications(this IServiceCollection services, DaemonConfig config)
    {
        if (config.Notifications.Providers.Length > 0)
            services.AddSingleton<IHostedService>(sp => new NotificationDispatcher(config.Notifications,
                sp.GetRequiredService<DaemonStatus>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        if (config.Repos.Any(r => r.Forge is not null))
            services.AddSingleton<IHostedService, Forge.ForgeService>();
        return services;
    }
}
