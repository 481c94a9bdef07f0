using System.Globalization;
using System.Text.RegularExpressions;
using Reconciler.Core.Planning;
using Reconciler.Docker.Execution;

namespace Reconciler.Daemon;

/// <summary>Telling failures apart: the commit's own, and what else the operator needs to know.</summary>
public sealed partial class StackReconciler
{
    /// <summary>
    /// A pull the registry answered with "no such manifest": the commit names an image that does not
    /// exist, which no retry cures (unlike a registry that is down or refuses the connection).
    /// </summary>
    internal static bool IsMissingImage(ActionOutcome failure) =>
        failure.Action is PullImage && failure.Error is { } error
        && (error.Contains("manifest unknown", StringComparison.OrdinalIgnoreCase)
            || error.Contains(" not found", StringComparison.OrdinalIgnoreCase));

    /// <summary>The host ports an engine error says could not be bound.</summary>
    internal static IReadOnlyList<int> PortsInConflict(string error) =>
    [
        .. PortConflict().Matches(error)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .Distinct(),
    ];

    /// <summary>
    /// "port is already allocated" does not say by whom: name the containers publishing the port, so
    /// a squatter can be found (and removed by its owner; Reconciler never touches it).
    /// </summary>
    private async Task<string> NamePortHoldersAsync(string message, CancellationToken ct)
    {
        var ports = PortsInConflict(message);
        if (ports.Count == 0) return message;
        var notes = new List<string>();
        foreach (var port in ports)
        {
            try
            {
                var holders = await engine.ContainersPublishingAsync(port, ct).ConfigureAwait(false);
                if (holders.Count == 0) continue;
                notes.Add(FormattableString.Invariant($"host port {port} is held by ") + string.Join(", ", holders.Select(h =>
                    $"container {h.Name} ({(h.Project == stack.ProjectName ? "of this stack" : "not managed by this stack")})")));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Naming the holder is a courtesy: the error stands without it.
            }
        }
        return notes.Count == 0 ? message : message + "; " + string.Join("; ", notes);
    }

    // "Bind for 127.0.0.1:8080 failed: port is already allocated" (another container),
    // "listen tcp4 0.0.0.0:8080: bind: address already in use" (another process).
    [GeneratedRegex(@":(\d{1,5})(?: failed: port is already allocated|: bind: address already in use)")]
    private static partial Regex PortConflict();
}
