using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Reconciler.Core.Planning;

/// <summary>
/// The JSON form of a plan (<c>reconciler plan --json</c>): web naming, indented, nulls left out,
/// enums as kebab-case strings. Metadata is source-generated so the native build needs no reflection;
/// the enum converters are the generic ones, which need no runtime code generation either.
/// </summary>
internal static class PlanJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static JsonTypeInfo<Plan> Plan { get; } = (JsonTypeInfo<Plan>)Options.GetTypeInfo(typeof(Plan));

    private static JsonSerializerOptions CreateOptions()
    {
        var kebab = JsonNamingPolicy.KebabCaseLower;
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            TypeInfoResolver = PlanJsonContext.Default.WithAddedModifier(LeaveOutNames).WithAddedModifier(OmitEmptyStartConditions),
            Converters =
            {
                new JsonStringEnumConverter<UpdateOrder>(kebab),
                new JsonStringEnumConverter<RecreateStep>(kebab),
                new JsonStringEnumConverter<WaitCondition>(kebab),
                new JsonStringEnumConverter<ProblemSeverity>(kebab),
                new JsonStringEnumConverter<ProblemKind>(kebab),
            },
        };
        options.MakeReadOnly();
        return options;
    }

    /// <summary>
    /// <see cref="PlanAction.Verb"/> and <see cref="PlanAction.Target"/> follow from the action's type
    /// and data, which the JSON already carries. Left out here, in one place, because a
    /// <c>[JsonIgnore]</c> on the abstract property does not reach the overrides.
    /// </summary>
    private static void LeaveOutNames(JsonTypeInfo info)
    {
        if (!info.Type.IsAssignableTo(typeof(PlanAction)))
        {
            return;
        }
        for (var i = info.Properties.Count - 1; i >= 0; i--)
        {
            if (info.Properties[i].Name is "verb" or "target")
            {
                info.Properties.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// <c>waits</c> and <c>sharedContainers</c> appear only on the actions that have some: most have
    /// none, and a plan without depends_on conditions or <c>service:x</c> modes reads as it always did.
    /// </summary>
    private static void OmitEmptyStartConditions(JsonTypeInfo info)
    {
        foreach (var property in info.Properties)
        {
            if (property.PropertyType == typeof(ImmutableArray<DependencyWait>))
            {
                property.ShouldSerialize = static (_, value) => value is ImmutableArray<DependencyWait> { IsDefaultOrEmpty: false };
            }
            else if (property.Name == "sharedContainers")
            {
                property.ShouldSerialize = static (_, value) => value is ImmutableSortedDictionary<string, string> { IsEmpty: false };
            }
        }
    }
}

[JsonSerializable(typeof(Plan))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
