namespace Reconciler.Notifications;

/// <summary>One notification provider: sends one event, or throws <see cref="DeliveryFailedException"/>.</summary>
public interface INotifier
{
    Task SendAsync(NotificationEvent e, CancellationToken ct);
}
