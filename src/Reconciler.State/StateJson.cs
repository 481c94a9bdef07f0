using System.Text.Json.Serialization;

namespace Reconciler.State;

/// <summary>The JSON columns' shapes, generated at build time (no reflection).</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(GoodCommitJson[]))]
internal sealed partial class StateJson : JsonSerializerContext;

/// <summary>One entry of the <c>good_history</c> column.</summary>
internal sealed record GoodCommitJson(string Commit, Dictionary<string, string> Images);
