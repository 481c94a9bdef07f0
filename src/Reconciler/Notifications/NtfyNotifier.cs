using Reconciler.Configuration;
using System.Text;

namespace Reconciler.Notifications;

/// <summary>
/// ntfy: <c>POST</c> of the text to the topic URL, with ntfy's <c>Title</c>, <c>Tags</c> (shown as
/// emoji) and <c>Priority</c> headers; trouble (failed, rolled back, held) goes at
/// <paramref name="troublePriority"/>, the rest at default. An access token goes as a bearer token.
/// </summary>
public sealed class NtfyNotifier(HttpClient http, Func<string> topicUrl, string? tokenFile, string? troublePriority) : INotifier
{
    public async Task SendAsync(NotificationEvent e, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, topicUrl())
        {
            Content = new StringContent(NotificationText.Of(e), Encoding.UTF8, "text/plain"),
        };
        request.Headers.Add("Title", NotificationText.Title(e));
        request.Headers.Add("Tags", Tag(e.Kind) + "," + e.Stack);
        request.Headers.Add("Priority", NotificationText.IsTrouble(e) ? troublePriority ?? "high" : "default");
        // Unvalidated: a validation error would quote the token in its message.
        if (tokenFile is not null) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + HttpDelivery.ReadSecret(tokenFile));
        await HttpDelivery.SendAsync(http, request, "ntfy POST", ct).ConfigureAwait(false);
    }

    /// <summary>ntfy turns these tag names into emoji in front of the title.</summary>
    internal static string Tag(string kind) => kind switch
    {
        NotificationKinds.Deployed => "white_check_mark",
        NotificationKinds.DriftHealed => "wrench",
        NotificationKinds.Failed => "x",
        NotificationKinds.RolledBack => "rewind",
        NotificationKinds.Held => "pause_button",
        NotificationKinds.DriftDetected => "warning",
        _ => "information_source",
    };
}
