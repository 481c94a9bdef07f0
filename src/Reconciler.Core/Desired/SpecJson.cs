using System.Text.Json.Serialization;

namespace Reconciler.Core.Desired;

/// <summary>
/// The one serialization of engine specs that the config hash is computed over. Source-generated,
/// so it works in the native (AOT) build, and written out field by field at compile time, so the
/// bytes — and every hash on every container already running — stay the same across versions of
/// .NET and of Reconciler (pinned by ConfigHashPinTests). Property names as declared, nulls left out.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerSpec))]
internal sealed partial class SpecJson : JsonSerializerContext;
