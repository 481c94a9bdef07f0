namespace Reconciler.Sops;

/// <summary>
/// BIP 173 bech32, as age encodes its keys (without BIP 173's 90-character limit, as age does).
/// </summary>
internal static class Bech32
{
    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private static readonly uint[] Generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

    /// <summary>The human-readable part and the data, or null when the text is not valid bech32 (checksum included).</summary>
    public static (string Hrp, byte[] Data)? Decode(string text)
    {
        var separator = text.LastIndexOf('1');
        if (separator < 1 || separator + 7 > text.Length) return null;
        var hrp = text[..separator];
        var values = new byte[text.Length - separator - 1];
        for (var i = 0; i < values.Length; i++)
        {
            var v = Charset.IndexOf(text[separator + 1 + i], StringComparison.Ordinal);
            if (v < 0) return null;
            values[i] = (byte)v;
        }
        if (Polymod([.. ExpandHrp(hrp), .. values]) != 1) return null;
        return ConvertBits(values.AsSpan(0, values.Length - 6), 5, 8, pad: false) is { } data ? (hrp, data) : null;
    }

    public static string Encode(string hrp, byte[] data)
    {
        var values = ConvertBits(data, 8, 5, pad: true)!;
        var polymod = Polymod([.. ExpandHrp(hrp), .. values, 0, 0, 0, 0, 0, 0]) ^ 1;
        var chars = new char[values.Length + 6];
        for (var i = 0; i < values.Length; i++) chars[i] = Charset[values[i]];
        for (var i = 0; i < 6; i++) chars[values.Length + i] = Charset[(int)((polymod >> (5 * (5 - i))) & 31)];
        return hrp + "1" + new string(chars);
    }

    private static byte[] ExpandHrp(string hrp)
    {
        var result = new byte[hrp.Length * 2 + 1];
        for (var i = 0; i < hrp.Length; i++)
        {
            result[i] = (byte)(hrp[i] >> 5);
            result[i + hrp.Length + 1] = (byte)(hrp[i] & 31);
        }
        return result;
    }

    private static uint Polymod(byte[] values)
    {
        uint chk = 1;
        foreach (var v in values)
        {
            var top = chk >> 25;
            chk = ((chk & 0x1ffffff) << 5) ^ v;
            for (var i = 0; i < 5; i++)
                if (((top >> i) & 1) != 0) chk ^= Generator[i];
        }
        return chk;
    }

    private static byte[]? ConvertBits(ReadOnlySpan<byte> data, int from, int to, bool pad)
    {
        var acc = 0;
        var bits = 0;
        var result = new List<byte>();
        var max = (1 << to) - 1;
        foreach (var value in data)
        {
            acc = (acc << from) | value;
            bits += from;
            while (bits >= to)
            {
                bits -= to;
                result.Add((byte)((acc >> bits) & max));
            }
        }
        if (pad)
        {
            if (bits > 0) result.Add((byte)((acc << (to - bits)) & max));
        }
        else if (bits >= from || ((acc << (to - bits)) & max) != 0)
        {
            return null;
        }
        return [.. result];
    }
}
