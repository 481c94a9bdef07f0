using System.Collections.Immutable;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Model;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Swarm;

/// <summary>
/// A service's <c>volumes:</c> to Swarm mounts (docker/cli 20.10 cli/compose/convert/volume.go), in
/// the file's order. Every mount is a Mount (Swarm has no Binds), so a bind source must exist on
/// each node that runs a task: the engine does not create it.
/// </summary>
internal static class SwarmMounts
{
    public static ImmutableArray<SwarmMount> Convert(SwarmNames names, MappingNode s, MappingNode? volumes, Action<string> error)
    {
        var result = ImmutableArray.CreateBuilder<SwarmMount>();
        foreach (var v in s.Seq("volumes")?.Items.OfType<MappingNode>() ?? [])
        {
            var type = v.Str("type") ?? "volume";
            var target = v.Str("target") ?? "";
            var source = v.Str("source");
            var mount = new SwarmMount
            {
                Type = type,
                Source = source,
                Target = target,
                ReadOnly = v.Bool("read_only"),
                Consistency = v.Str("consistency"),
            };
            // The loader marks every short-syntax bind with create_host_path; only propagation reaches Swarm.
            var propagation = v.Map("bind")?.Str("propagation");
            switch (type)
            {
                case "volume":
                    if (v.ContainsKey("tmpfs")) { error("tmpfs options are incompatible with type volume"); continue; }
                    if (v.Map("bind") is { Count: > 0 }) { error("bind options are incompatible with type volume"); continue; }
                    if (string.IsNullOrEmpty(source)) { result.Add(mount with { Source = null }); continue; }
                    if (volumes?.Map(source) is not { } top) { error($"undefined volume {Excerpt.Quoted(source)}"); continue; }
                    var options = new SwarmVolumeOptions { NoCopy = v.Map("volume")?.Bool("nocopy") == true };
                    mount = mount with { Source = names.Of(source, top.Str("name")) };
                    if (!top.Bool("external"))
                    {
                        var driver = top.Str("driver");
                        options = options with
                        {
                            Labels = names.WithStackLabel(top.Pairs("labels")),
                            DriverConfig = !string.IsNullOrEmpty(driver) || top.Map("driver_opts") is not null
                                ? new SwarmDriver
                                {
                                    Name = driver ?? "",
                                    Options = top.Map("driver_opts") is not null ? SwarmStackConverter.Strings(top.Pairs("driver_opts")) : null,
                                }
                                : null,
                        };
                    }
                    result.Add(mount with { VolumeOptions = options });
                    break;
                case "bind" or "npipe":
                    if (string.IsNullOrEmpty(source)) { error($"invalid {type} source, source cannot be empty"); continue; }
                    if (v.ContainsKey("tmpfs")) { error($"tmpfs options are incompatible with type {type}"); continue; }
                    result.Add(mount with { BindOptions = propagation is not null ? new SwarmBindOptions(propagation) : null });
                    break;
                case "tmpfs":
                    if (!string.IsNullOrEmpty(source)) { error("invalid tmpfs source, source must be empty"); continue; }
                    result.Add(mount with
                    {
                        Source = null,
                        TmpfsOptions = v.Map("tmpfs")?.OptLong("size") is { } size ? new SwarmTmpfsOptions(size) : null,
                    });
                    break;
                default:
                    error("volume type must be volume, bind, tmpfs or npipe");
                    break;
            }
        }
        return result.ToImmutable();
    }
}
