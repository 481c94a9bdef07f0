using System.Collections.Immutable;
using System.Globalization;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;

namespace Reconciler.Core.Planning;

/// <summary>
/// The observed containers sorted by what they are to this project: a service's replicas, orphans
/// (project containers of services no longer in it), and strangers (everything else, only looked at
/// for the names they hold). One-off containers (<c>docker compose run</c>) are none of ours.
/// </summary>
internal sealed class ContainerInventory
{
    private readonly Dictionary<string, List<ObservedContainer>> _byService = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ObservedContainer> _strangersByName = new(StringComparer.Ordinal);

    public ContainerInventory(DesiredProject desired, ObservedState observed)
    {
        var orphans = new List<ObservedContainer>();
        foreach (var c in observed.Containers)
        {
            var ours = c.Label(ComposeLabels.Project) == desired.Name;
            if (!ours || IsOneOff(c))
            {
                _strangersByName.TryAdd(c.Name, c);
                continue;
            }
            var service = c.Label(ComposeLabels.Service);
            if (service is not null && desired.Services.ContainsKey(service))
            {
                if (!_byService.TryGetValue(service, out var list))
                {
                    _byService[service] = list = [];
                }
                list.Add(c);
            }
            else
            {
                orphans.Add(c);
            }
        }
        Orphans = [.. orphans.OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.Id, StringComparer.Ordinal)];
    }

    /// <summary>Project containers whose service is not (or no longer) in the project, by name.</summary>
    public ImmutableArray<ObservedContainer> Orphans { get; }

    public IReadOnlyList<ObservedContainer> OfService(string service) =>
        _byService.TryGetValue(service, out var list) ? list : [];

    /// <summary>A container this project does not manage holding <paramref name="name"/>, if any.</summary>
    public ObservedContainer? StrangerNamed(string name) => _strangersByName.GetValueOrDefault(name);

    public static bool IsOneOff(ObservedContainer c) =>
        string.Equals(c.Label(ComposeLabels.Oneoff), "True", StringComparison.OrdinalIgnoreCase);

    /// <summary>The replica number label; 0 when absent or not a positive number.</summary>
    public static int NumberOf(ObservedContainer c) =>
        int.TryParse(c.Label(ComposeLabels.Number), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0;

    /// <summary>
    /// compose names the replacement of a container <c>&lt;old id, 12 hex&gt;_&lt;name&gt;</c> until the
    /// old one is gone; a container still named so is what an interrupted recreate left.
    /// </summary>
    public static bool IsTemporary(ObservedContainer c) =>
        c.Name.Length > 13 && c.Name[12] == '_' && !c.Name.AsSpan(0, 12).ContainsAnyExcept("0123456789abcdef");

    /// <summary>The one to keep among containers of one number: running first, then the newest.</summary>
    public static IEnumerable<ObservedContainer> BestFirst(IEnumerable<ObservedContainer> containers) =>
        containers
            .OrderBy(c => c.State switch { "running" => 0, "restarting" => 1, _ => 2 })
            .ThenByDescending(c => c.Created)
            .ThenBy(c => c.Id, StringComparer.Ordinal);
}
