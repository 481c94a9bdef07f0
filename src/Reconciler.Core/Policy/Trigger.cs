namespace Reconciler.Core.Policy;

/// <summary>Why a stack reconciles now.</summary>
public enum Trigger { Startup, Poll, Webhook, Drift, Manual }
