namespace Reconciler.Docker.Execution;

/// <summary>
/// Polls a container until it is healthy or has exited, with errors that say why it is not. The
/// deadline and the polls are on <c>time</c> (the system clock unless given), so tests can use a fake one.
/// </summary>
internal static class ContainerWait
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public static async Task UntilHealthyAsync(IDockerContainerOperations containers, string idOrName, TimeSpan timeout, string why, CancellationToken ct, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var deadline = time.GetUtcNow() + timeout;
        ContainerRuntimeState? last = null;
        while (time.GetUtcNow() < deadline)
        {
            last = await containers.InspectAsync(idOrName, ct).ConfigureAwait(false);
            if (last is null) throw new InvalidOperationException($"{why}: container {idOrName} does not exist");
            if (last.HealthStatus is null && last.Running) return;          // no healthcheck: running is enough
            if (last.HealthStatus == "healthy") return;
            if (last.HealthStatus == "unhealthy")
                throw new InvalidOperationException($"{why}: container {idOrName} is unhealthy: {last.LastHealthOutput?.Trim()}");
            if (!last.Running && !last.Restarting)
                throw new InvalidOperationException($"{why}: container {idOrName} exited with code {last.ExitCode}");
            await Task.Delay(Poll, time, ct).ConfigureAwait(false);
        }
        throw new TimeoutException($"{why}: container {idOrName} not healthy after {timeout.TotalSeconds:0}s (last health output: {last?.LastHealthOutput?.Trim() ?? "none"})");
    }

    public static async Task UntilCompletedAsync(IDockerContainerOperations containers, string idOrName, TimeSpan timeout, string why, CancellationToken ct, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var deadline = time.GetUtcNow() + timeout;
        while (time.GetUtcNow() < deadline)
        {
            var s = await containers.InspectAsync(idOrName, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"{why}: container {idOrName} does not exist");
            if (!s.Running && !s.Restarting && s.Status is "exited" or "dead")
            {
                if (s.ExitCode == 0) return;
                throw new InvalidOperationException($"{why}: container {idOrName} didn't complete successfully: exit {s.ExitCode}");
            }
            await Task.Delay(Poll, time, ct).ConfigureAwait(false);
        }
        throw new TimeoutException($"{why}: container {idOrName} did not complete within {timeout.TotalSeconds:0}s");
    }
}
