namespace Reconciler.Configuration;

/// <summary>
/// What a <c>host_id</c> may be: it becomes part of a repo path (<c>hosts/{host_id}.yaml</c>) and a
/// metric label, so it is kept to a DNS name's characters and can never climb out of the folder.
/// </summary>
public static class HostIds
{
    public const int MaxLength = 63;

    /// <summary>Why <paramref name="id"/> cannot be a host id, or null when it can.</summary>
    public static string? Problem(string id)
    {
        if (id.Length == 0) return "must not be empty";
        if (id.Length > MaxLength) return $"is longer than {MaxLength} characters";
        if (!char.IsAsciiLetterOrDigit(id[0]) || !char.IsAsciiLetterOrDigit(id[^1])) return "must start and end with a letter or digit";
        if (!id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.' or '_'))
            return "may hold only lowercase letters, digits, '-', '_' and '.'";
        if (id.Contains("..", StringComparison.Ordinal)) return "must not contain \"..\"";
        return null;
    }

    /// <summary>
    /// The default host id: the machine's host name, lowercased (host names are case-insensitive),
    /// or null when it does not make a valid id (the config then has to name one).
    /// </summary>
    public static string? FromMachine()
    {
        string name;
        try
        {
            name = System.Net.Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            name = System.Environment.MachineName;
        }
        name = name.Trim().ToLowerInvariant();
        return Problem(name) is null ? name : null;
    }
}
