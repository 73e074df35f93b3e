import Foundation

/// Outbound webhook subscriptions and their delivery attempts. Deliveries themselves are
/// `webhook` jobs, enqueued by the store in the transaction that writes the event they report
/// (the outbox, migration 6). Every read and write the API makes takes the tenant; another
/// tenant's subscription answers `nil` exactly like a missing one.
public protocol WebhookStore: Sendable {
    /// Stores a subscription with its signing secret.
    func createWebhook(_ new: NewWebhook) async throws -> Webhook
    /// A tenant's subscriptions, oldest first.
    func webhooks(tenant: String) async throws -> [Webhook]
    /// One subscription; `tenant` nil: whatever its tenant (the delivery job's own lookup).
    func webhook(_ id: String, tenant: String?) async throws -> Webhook?
    /// Changes the fields `update` sets. - Returns: the subscription, nil when missing.
    func updateWebhook(_ id: String, tenant: String, _ update: WebhookUpdate) async throws -> Webhook?
    /// Deletes a subscription and its delivery history. - Returns: whether it existed.
    func deleteWebhook(_ id: String, tenant: String) async throws -> Bool
    /// Makes `secret` the signing secret; the old one keeps signing until `graceUntil`.
    func rotateWebhookSecret(_ id: String, tenant: String, secret: String, graceUntil: Date) async throws -> Webhook?
    /// Records one delivery attempt.
    func recordDelivery(_ attempt: WebhookDeliveryAttempt) async throws
    /// A subscription's attempts, newest first, with an id below `before` (the cursor).
    func deliveries(webhook: String, tenant: String, before: Int64?, limit: Int) async throws -> [WebhookDelivery]
    /// One event by id (what a delivery reports).
    func event(id: Int64) async throws -> Event?
}

/// The event types a subscription may name: the engine's, `*`, or a family (`job.*`, `step.*`).
public enum WebhookEventTypes {
    public static let known = [
        "job.enqueued", "job.started", "job.succeeded", "job.retrying", "job.dead", "job.cancelled", "job.released",
        "job.rescued", "job.redriven", "step.started", "step.succeeded", "step.failed",
    ]
    public static let patterns = ["*", "job.*", "step.*"]

    public static func isValid(_ type: String) -> Bool { known.contains(type) || patterns.contains(type) }
}

/// A subscription as created: the URL (already checked), its event types and secret.
public struct NewWebhook: Sendable {
    public var tenant: String
    public var url: String
    public var events: [String]
    public var description: String?
    public var secret: String

    public init(tenant: String, url: String, events: [String], description: String?, secret: String) {
        self.tenant = tenant
        self.url = url
        self.events = events
        self.description = description
        self.secret = secret
    }
}

/// The fields a `PATCH` may change (nil: unchanged; `description` `.some(nil)` clears it).
public struct WebhookUpdate: Sendable {
    public var url: String?
    public var events: [String]?
    public var description: String??
    public var disabled: Bool?
    public init() {}
}

/// A subscription as stored. `secret` and `previousSecret` sign deliveries and are shown to the
/// tenant only when created or rotated.
public struct Webhook: Sendable {
    public let id: String
    public let tenant: String
    public let url: String
    public let events: [String]
    public let description: String?
    public let secret: String
    public let previousSecret: String?
    public let previousSecretExpiresAt: Date?
    public let disabled: Bool
    public let createdAt: Date
    public let updatedAt: Date

    /// The secrets that sign a delivery at `now`: the current one, and the previous one during
    /// its grace period.
    public func signingSecrets(at now: Date = Date()) -> [String] {
        guard let previousSecret, let until = previousSecretExpiresAt, until > now else { return [secret] }
        return [secret, previousSecret]
    }
}

/// One attempt to deliver an event to a subscription.
public struct WebhookDeliveryAttempt: Sendable {
    public var webhookID: String
    public var jobID: UUID
    public var eventID: Int64
    /// The `webhook-id` header: the same on every attempt of one event to one subscription.
    public var messageID: String
    public var attempt: Int
    /// nil when no response arrived (refused address, connection error, timeout).
    public var statusCode: Int?
    public var latencyMilliseconds: Int64?
    public var error: String?
}

/// A recorded attempt.
public struct WebhookDelivery: Sendable {
    public let id: Int64
    public let attempt: WebhookDeliveryAttempt
    public let at: Date
}
