using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Loading;

/// <summary>What the loader is about to parse: YAML may come in UTF-16 (go-yaml reads it), env files only in UTF-8.</summary>
internal enum FileKind { Compose, EnvFile }

/// <summary>
/// The one way the loader reads a file it parses (compose files, includes, extends targets,
/// <c>.env</c>, <c>--env-file</c>, <c>env_file</c>): counted against the load's budget, refused when
/// over the size limit before any parsing, and decoded strictly, so a stray byte is an error at
/// its line and column instead of a silently replaced character.
/// </summary>
internal static class FileReads
{
    private static readonly Encoding StrictUtf16LE = new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true);
    private static readonly Encoding StrictUtf16BE = new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);

    /// <summary>The file's text, or null when there is no such file.</summary>
    /// <exception cref="ComposeException">Over a limit, or not valid text.</exception>
    public static string? ReadText(IFileSource fs, string path, LoadBudget budget, FileKind kind)
    {
        // The size is checked before the bytes are read when the source knows it, else right after.
        if (fs.FileLength(path) is { } known) budget.CountFile(path, known);
        var bytes = fs.ReadBytes(path);
        if (bytes is null) return null;
        if (fs.FileLength(path) is null) budget.CountFile(path, bytes.LongLength);
        return Decode(bytes, path, kind);
    }

    /// <summary>Strict decoding: a UTF-8 byte order mark is dropped (as compose drops it); invalid UTF-8 or a NUL byte is an error.</summary>
    internal static string Decode(byte[] bytes, string path, FileKind kind)
    {
        ReadOnlySpan<byte> span = bytes;
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) span = span[3..];
        else if (kind == FileKind.Compose && (span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || span.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])))
            return DecodeUtf16(span, path);

        var chars = new char[span.Length];
        var status = Utf8.ToUtf16(span, chars, out var read, out var written, replaceInvalidSequences: false);
        var nul = span.IndexOf((byte)0);
        if (nul >= 0 && (status == OperationStatus.Done || nul < read))
            throw Invalid(span, nul, path, "a NUL byte: compose and env files must be text");
        if (status != OperationStatus.Done)
            throw Invalid(span, read, path, "invalid UTF-8: save the file as UTF-8");
        return new string(chars, 0, written);
    }

    private static string DecodeUtf16(ReadOnlySpan<byte> span, string path)
    {
        var encoding = span[0] == 0xFF ? StrictUtf16LE : StrictUtf16BE;
        string text;
        try
        {
            text = encoding.GetString(span[2..]);
        }
        catch (DecoderFallbackException)
        {
            throw new ComposeException(Diagnostic.Error("invalid UTF-16 (the file starts with a UTF-16 byte order mark): save the file as UTF-8", new Mark(path, 0, 0)));
        }
        var nul = text.IndexOf('\0');
        if (nul >= 0)
        {
            var line = 1 + text.AsSpan(0, nul).Count('\n');
            var column = nul - (text.LastIndexOf('\n', Math.Max(0, nul - 1)) + 1) + 1;
            if (nul == 0) column = 1;
            throw new ComposeException(Diagnostic.Error("a NUL character: compose files must be text", new Mark(path, line, column)));
        }
        return text;
    }

    /// <summary>An error at the byte offset <paramref name="at"/>, as line and column (UTF-16 code units, 1-based) of the text before it.</summary>
    private static ComposeException Invalid(ReadOnlySpan<byte> span, int at, string path, string what)
    {
        var before = span[..at];
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        var line = 1 + before.Count((byte)'\n');
        var column = 1 + Encoding.UTF8.GetCharCount(before[lineStart..]);
        return new ComposeException(Diagnostic.Error(what, new Mark(path, line, column)));
    }
}
