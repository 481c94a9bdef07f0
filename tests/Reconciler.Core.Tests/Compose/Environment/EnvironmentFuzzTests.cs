using System.Text;
using Reconciler.Core.Compose.Environment;

namespace Reconciler.Core.Tests.Compose.Environment;

/// <summary>
/// Random and mutated inputs through both parsers: they must never throw, and must be deterministic.
/// Seeds are fixed so a failure reproduces; the failing input is in the assertion message.
/// </summary>
public class EnvironmentFuzzTests
{
    private static readonly string[] Fragments =
    [
        "$", "$$", "${", "}", "{", ":", "-", "+", "?", ":-", ":+", ":?", "A", "E", "U", "a", "_", "1", "x",
        " ", "\t", "\n", "\r\n", "#", " #", "=", "\"", "'", "\\", "\\n", "\\$", "\\0", "export ", "export",
        ".", "[", "]", "\u00c4", "\u212a", "\uFEFF", "\ud800", "\udc00", "\U0001F600", "\0", "\u0085", "\u00a0",
    ];

    private static readonly string[] Samples =
    [
        "# comment\nexport A=1\nB: \"two\\n${A}\"\nC='three $A'\nD=${U:-four} #c\nE\n",
        "A=\"multi\nline \\\"quoted\\\" \\0101\"\nB=${A:+alt}${U-x}\r\nC=$$literal\n",
        "K.1=v\nK-2=\"${K.1}\"\nK[3]='x'y=z\n",
    ];

    private static readonly Dictionary<string, string> Outside = new() { ["A"] = "va", ["E"] = "" };

    private static string? Lookup(string k) => Outside.TryGetValue(k, out var v) ? v : null;

    private static string RandomText(Random rng, int maxFragments)
    {
        var sb = new StringBuilder();
        var n = rng.Next(0, maxFragments);
        for (var i = 0; i < n; i++)
        {
            if (rng.Next(8) == 0) sb.Append((char)rng.Next(0, 0x3000));
            else sb.Append(Fragments[rng.Next(Fragments.Length)]);
        }
        return sb.ToString();
    }

    private static string Mutate(Random rng, string text)
    {
        var sb = new StringBuilder(text);
        var edits = rng.Next(1, 6);
        for (var e = 0; e < edits; e++)
        {
            var at = sb.Length == 0 ? 0 : rng.Next(sb.Length + 1);
            switch (rng.Next(4))
            {
                case 0:
                    sb.Insert(at, Fragments[rng.Next(Fragments.Length)]);
                    break;
                case 1 when sb.Length > 0:
                    sb.Remove(Math.Min(at, sb.Length - 1), Math.Min(rng.Next(1, 4), sb.Length - Math.Min(at, sb.Length - 1)));
                    break;
                case 2 when sb.Length > 0:
                    sb[Math.Min(at, sb.Length - 1)] = (char)rng.Next(0, 0x80);
                    break;
                default:
                    sb.Length = Math.Min(sb.Length, at);
                    break;
            }
        }
        return sb.ToString();
    }

    private static void CheckInterpolation(string input)
    {
        InterpolationResult r;
        try
        {
            r = Interpolator.Interpolate(input, Lookup);
        }
        catch (Exception ex)
        {
            Assert.Fail($"Interpolate threw {ex.GetType().Name} for {Escape(input)}: {ex.Message}");
            return;
        }
        Assert.NotNull(r.Value);
        if (r.Error is not null) Assert.Equal(input, r.Value);
        if (!input.Contains('$')) Assert.Same(input, r.Value);
        var again = Interpolator.Interpolate(input, Lookup);
        Assert.Equal(r.Value, again.Value);
        Assert.Equal(r.Error, again.Error);
    }

    private static void CheckDotEnv(string input)
    {
        DotEnvResult r;
        try
        {
            r = DotEnvParser.Parse(input, "fuzz.env", Lookup);
        }
        catch (Exception ex)
        {
            Assert.Fail($"Parse threw {ex.GetType().Name} for {Escape(input)}: {ex.Message}");
            return;
        }
        Assert.True(r.Diagnostics.Count(d => d.IsError) <= 1, Escape(input));
        Assert.All(r.Diagnostics, d => Assert.True(d.Line >= 1 && d.Column >= 1, $"{d} for {Escape(input)}"));
        Assert.All(r.Variables, kv => Assert.Equal(kv.Value, r.Entries.Single(e => e.Key == kv.Key).Value));
        var again = DotEnvParser.Parse(input, "fuzz.env", Lookup);
        Assert.Equal(r.Entries.ToArray(), again.Entries.ToArray());
        Assert.Equal(r.Diagnostics.ToArray(), again.Diagnostics.ToArray());
    }

    private static string Escape(string s) =>
        string.Concat(s.Select(c => c < 0x20 || c > 0x7e ? $"\\u{(int)c:x4}" : c.ToString()));

    [Fact]
    public void Random_strings_never_make_the_interpolator_throw()
    {
        var rng = new Random(20240601);
        for (var i = 0; i < 20000; i++) CheckInterpolation(RandomText(rng, 24));
    }

    [Fact]
    public void Random_strings_never_make_the_dot_env_parser_throw()
    {
        var rng = new Random(1337);
        for (var i = 0; i < 20000; i++) CheckDotEnv(RandomText(rng, 30));
    }

    [Fact]
    public void Mutated_env_files_never_make_the_dot_env_parser_throw()
    {
        var rng = new Random(42);
        for (var i = 0; i < 20000; i++)
        {
            var text = Mutate(rng, Samples[rng.Next(Samples.Length)]);
            CheckDotEnv(text);
            CheckInterpolation(text);
        }
    }

    [Fact]
    public void Random_env_files_never_make_the_layering_throw()
    {
        var rng = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var files = new Dictionary<string, string> { ["/a"] = RandomText(rng, 20), ["/b"] = Mutate(rng, Samples[rng.Next(Samples.Length)]) };
            var r = ProjectEnvironment.Build(Outside, rng.Next(2) == 0 ? [] : ["/a", "/b"], "/a", p => files.GetValueOrDefault(p));
            Assert.NotNull(r.Variables);
        }
    }
}
