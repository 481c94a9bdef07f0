namespace Reconciler.Observability;

/// <summary>
/// The <c>health_status</c> of <c>reconciler_stack_info</c>, shaped like Argo CD's: the worse of
/// what the last pass found and what the stack's containers do now.
/// </summary>
internal enum StackHealth
{
    Healthy,
    /// <summary>Not known yet (no pass finished) or containers still starting (healthcheck "starting").</summary>
    Progressing,
    /// <summary>A deploy failed its apply or health gate, a container is missing or stopped, crash-looping, restarting, unhealthy or exited with an error.</summary>
    Degraded,
}

internal static class StackHealthExtensions
{
    public static string Label(this StackHealth health) => health switch
    {
        StackHealth.Healthy => "healthy",
        StackHealth.Progressing => "progressing",
        _ => "degraded",
    };

    public static StackHealth Worst(StackHealth a, StackHealth b) => a > b ? a : b;
}
