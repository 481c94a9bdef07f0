namespace Reconciler.Notifications;

/// <summary>
/// A call to a provider failed. <see cref="Retryable"/>: the provider may take it later (a 5xx,
/// 408, 429, a timeout, a network error); otherwise retrying the same request cannot help (a 4xx).
/// The message names the call, not its URL (a Slack URL is the secret) and never a token.
/// </summary>
public sealed class DeliveryFailedException(string message, bool retryable, Exception? inner = null) : Exception(message, inner)
{
    public bool Retryable { get; } = retryable;
}
