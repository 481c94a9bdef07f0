using System.Text.Json.Serialization;

namespace Reconciler.State;

/// <summary>The JSON columns' shapes, generated at build time (no reflection).</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class StateJson : JsonSerializerContext;
