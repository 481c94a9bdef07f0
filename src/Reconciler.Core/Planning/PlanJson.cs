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
            TypeInfoResolver = PlanJsonContext.Default,
            Converters =
            {
                new JsonStringEnumConverter<UpdateOrder>(kebab),
                new JsonStringEnumConverter<RecreateStep>(kebab),
                new JsonStringEnumConverter<ProblemSeverity>(kebab),
                new JsonStringEnumConverter<ProblemKind>(kebab),
            },
        };
        options.MakeReadOnly();
        return options;
    }
}

[JsonSerializable(typeof(Plan))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
