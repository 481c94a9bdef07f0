using Reconciler.Core.Desired;
using Reconciler.Core.Observed;
using Reconciler.Core.Planning;

namespace Reconciler.Core.Tests.Planning;

internal static class PlanAssert
{
    /// <summary>The plan's text is exactly <paramref name="expected"/> (line endings aside).</summary>
    public static void Text(string expected, Plan plan) =>
        Assert.Equal(expected.ReplaceLineEndings("\n"), plan.ToString());

    /// <summary>One line per stage: <c>1: #1 pull app:1.0, #2 create network shop_default</c>.</summary>
    public static string Stages(Plan plan) => string.Join("\n", plan.Stages.Select((stage, i) =>
        $"{i + 1}: {string.Join(", ", stage.Select(a => $"#{a.Id} {Short(a)}"))}"));

    /// <summary>The action's own description, except that a rename shows the name it starts from.</summary>
    private static string Short(PlanAction action) =>
        action is RenameContainer rename ? $"rename {rename.OldName}" : action.Describe();

    /// <summary>
    /// What the engine would show after an executor carried the plan out faithfully: lets a test
    /// check that planning again plans nothing.
    /// </summary>
    public static ObservedState Apply(Plan plan, ObservedState observed)
    {
        var containers = observed.Containers.ToList();
        var images = observed.LocalImages;
        var buildDigests = observed.BuildDigests;
        var networks = observed.Networks;
        var volumes = observed.Volumes;
        ObservedContainer FromSpec(ContainerSpec spec, string name) => new()
        {
            Id = Given.Id(name + "@" + spec.Labels[ComposeLabels.ConfigHash]),
            Name = name,
            Image = spec.Image,
            ImageId = images.GetValueOrDefault(spec.Image) ?? images.GetValueOrDefault(spec.Image + ":latest") ?? "",
            State = "running",
            Labels = spec.Labels,
            Created = Given.Now,
        };
        void Set(string id, Func<ObservedContainer, ObservedContainer> change) =>
            containers = [.. containers.Select(c => c.Id == id ? change(c) : c)];

        foreach (var action in plan.Actions)
        {
            switch (action)
            {
                case BuildImage a:
                    var built = Given.ImageId(a.Image + "@" + a.Build.Digest);
                    images = images.SetItem(a.Image, built);
                    buildDigests = buildDigests.SetItem(built, a.Build.Digest);
                    break;
                case PullImage a:
                    images = images.SetItem(a.Image, images.GetValueOrDefault(a.Image) ?? Given.ImageId(a.Image));
                    break;
                case CreateNetwork a:
                    networks = networks.Add(new ObservedNetwork { Id = Given.Id(a.Network.Name), Name = a.Network.Name, Driver = a.Network.Driver, Labels = a.Network.Labels });
                    break;
                case CreateVolume a:
                    volumes = volumes.Add(new ObservedVolume { Name = a.Volume.Name, Driver = a.Volume.Driver, Labels = a.Volume.Labels });
                    break;
                case CreateContainer a:
                    containers.Add(FromSpec(a.Spec, a.ContainerName));
                    break;
                case RecreateContainer a:
                    containers.RemoveAll(c => c.Id == a.ContainerId);
                    containers.Add(FromSpec(a.Spec, a.ContainerName));
                    break;
                case RenameContainer a:
                    Set(a.ContainerId, c => c with { Name = a.ContainerName });
                    break;
                case StartContainer a:
                    Set(a.ContainerId, c => c with { State = "running" });
                    break;
                case RestartContainer a:
                    Set(a.ContainerId, c => c with { State = "running" });
                    break;
                case StopContainer a:
                    Set(a.ContainerId, c => c with { State = "exited", Status = "Exited (0) 1 second ago", ExitCode = 0 });
                    break;
                case RemoveContainer a:
                    containers.RemoveAll(c => c.Id == a.ContainerId);
                    break;
                default:
                    throw new InvalidOperationException($"unknown action {action.GetType().Name}");
            }
        }
        return observed with { Containers = [.. containers], LocalImages = images, BuildDigests = buildDigests, Networks = networks, Volumes = volumes };
    }
}
