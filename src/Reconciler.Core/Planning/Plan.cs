using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reconciler.Core.Planning;

/// <summary>
/// What it takes to bring one project to its desired state: an ordered, immutable list of
/// <see cref="Actions"/> (a graph through <see cref="PlanAction.DependsOn"/>, listed so that every
/// action comes after those it depends on) and the <see cref="Problems"/> found and not acted on.
/// </summary>
/// <remarks>
/// An executor may run the actions one by one in list order, or stage by stage
/// (<see cref="Stages"/>), running each stage's actions in parallel, or as a graph: start an action
/// as soon as all of its <see cref="PlanAction.DependsOn"/> have succeeded. A plan with errors
/// (<see cref="IsBlocked"/>) should not be applied: it needs a human.
/// </remarks>
public sealed class Plan
{
    private ImmutableArray<ImmutableArray<PlanAction>>? _stages;

    [JsonConstructor]
    public Plan(string project, ImmutableArray<PlanAction> actions, ImmutableArray<PlanProblem> problems)
    {
        ArgumentException.ThrowIfNullOrEmpty(project);
        actions = actions.IsDefault ? [] : actions;
        for (var i = 0; i < actions.Length; i++)
        {
            var action = actions[i];
            if (action.Id != i + 1 || action.DependsOn.IsDefault || action.DependsOn.Any(d => d < 1 || d >= action.Id))
            {
                throw new ArgumentException($"action {i + 1} must have id {i + 1} and depend only on earlier actions", nameof(actions));
            }
        }
        Project = project;
        Actions = actions;
        Problems = problems.IsDefault ? [] : problems;
    }

    public string Project { get; }

    public ImmutableArray<PlanAction> Actions { get; }

    public ImmutableArray<PlanProblem> Problems { get; }

    /// <summary>No action: nothing to change (problems may still be reported).</summary>
    [JsonIgnore]
    public bool IsEmpty => Actions.IsEmpty;

    /// <summary>A problem of <see cref="ProblemSeverity.Error"/>: the desired state cannot be reached without a human.</summary>
    [JsonIgnore]
    public bool IsBlocked => Problems.Any(p => p.Severity == ProblemSeverity.Error);

    /// <summary>Nothing to change and nothing in the way: the project is as desired.</summary>
    [JsonIgnore]
    public bool IsInSync => IsEmpty && !IsBlocked;

    /// <summary>
    /// The action graph cut into layers: an action's stage is one past the latest stage among its
    /// dependencies. Stages run one after another; the actions of one stage may run in parallel.
    /// </summary>
    [JsonIgnore]
    public ImmutableArray<ImmutableArray<PlanAction>> Stages => _stages ??= CutIntoStages(Actions);

    /// <summary>The text <c>reconciler plan</c> prints and golden tests compare. Deterministic.</summary>
    public override string ToString() => PlanText.Render(this);

    /// <summary>The plan as JSON: actions tagged by an <c>action</c> discriminator, enums as kebab-case strings.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, PlanJson.Plan);

    public static Plan FromJson(string json) =>
        JsonSerializer.Deserialize(json, PlanJson.Plan) ?? throw new JsonException("a plan was expected, not null");

    /// <summary>The options <see cref="ToJson"/> uses, for callers embedding a plan in a larger document.</summary>
    public static JsonSerializerOptions JsonOptions => PlanJson.Options;

    private static ImmutableArray<ImmutableArray<PlanAction>> CutIntoStages(ImmutableArray<PlanAction> actions)
    {
        var stageOf = new int[actions.Length + 1];
        var stages = new List<ImmutableArray<PlanAction>.Builder>();
        foreach (var action in actions)
        {
            var stage = action.DependsOn.Length == 0 ? 0 : action.DependsOn.Max(d => stageOf[d]) + 1;
            stageOf[action.Id] = stage;
            while (stages.Count <= stage)
            {
                stages.Add(ImmutableArray.CreateBuilder<PlanAction>());
            }
            stages[stage].Add(action);
        }
        return [.. stages.Select(s => s.ToImmutable())];
    }
}
