using System.Text.Json.Serialization;

namespace Reconciler.Core.Swarm;

/// <summary>
/// The Engine API's JSON for the Swarm specs: property names as declared (they are the API's),
/// nulls left out as Go's omitempty leaves out nil fields. Source-generated for the native build.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SwarmServiceSpec))]
public sealed partial class SwarmJson : JsonSerializerContext;
