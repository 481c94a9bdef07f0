using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace Reconciler.Core.Swarm;

/// <summary>Which kind of Swarm object a <see cref="SwarmObjectSpec"/> is.</summary>
public enum SwarmObjectKind { Secret, Config }

/// <summary>
/// A secret or config the stack creates, with its content. Swarm forbids changing an object's
/// data, so <see cref="ContentHash"/> lets the adapter name each version apart. The data never
/// reaches a string: <see cref="ToString"/> leaves it out.
/// </summary>
public sealed record SwarmObjectSpec
{
    public required SwarmObjectKind Kind { get; init; }
    /// <summary>The compose key (<c>db_password</c>).</summary>
    public required string Key { get; init; }
    /// <summary>The name <c>docker stack deploy</c> gives it: <c>&lt;stack&gt;_&lt;key&gt;</c> or the explicit <c>name:</c>.</summary>
    public required string Name { get; init; }
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public ImmutableArray<byte> Data { get; init; } = [];
    /// <summary>Secrets only: a secret store driver (then <see cref="Data"/> is empty).</summary>
    public SwarmDriver? Driver { get; init; }
    public string? TemplateDriver { get; init; }

    /// <summary>SHA-256 of the data and of what else the engine keeps of the object, hex.</summary>
    public string ContentHash
    {
        get
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            sha.AppendData(Data.AsSpan());
            var extra = $"\0{Driver?.Name}\0{string.Join(',', Driver?.Options?.Select(o => o.Key + "=" + o.Value) ?? [])}\0{TemplateDriver}";
            sha.AppendData(Encoding.UTF8.GetBytes(extra));
            return Convert.ToHexStringLower(sha.GetHashAndReset());
        }
    }

    public override string ToString() => $"{Kind} {Name} ({Data.Length} bytes)";
}
