import Foundation

/// What a provider reported when it called back (Rev.ai's `{"job": {"id", "status"}}`).
public struct CallbackArrival: Sendable, Equatable {
    /// The provider's own job id, as the callback named it.
    public let providerJobID: String
    /// The provider's status word (`transcribed`, `failed`).
    public let status: String
    public let at: Date
}

/// Provider callbacks: the worker registers a token before it submits, the server records the
/// provider's call, and the worker waits for it (across processes: the server that receives the
/// call is often not the worker that waits). Only the SHA-256 of a token is stored.
public protocol CallbackStore: Sendable {
    /// Stores a new token's hash for one step of `job`.
    func registerCallback(tokenHash: String, job: UUID, provider: String, step: String) async throws
    /// The provider called: records it once, with a `callback.received` event for the job, in
    /// one transaction (the event wakes waiters: `NOTIFY runner_events` on PostgreSQL).
    /// - Returns: the job, or nil when the token is unknown, of another provider, already used
    ///   or closed.
    func recordCallback(tokenHash: String, provider: String, providerJobID: String, status: String) async throws -> UUID?
    /// Whether the token is registered for `provider` and still waits for its call.
    func callbackOpen(tokenHash: String, provider: String) async throws -> Bool
    /// The recorded call, nil while none came.
    func callbackArrival(tokenHash: String) async throws -> CallbackArrival?
    /// The step no longer waits (done by the callback or by polling): later calls are refused.
    func closeCallback(tokenHash: String) async throws
    /// Waits until the call for `tokenHash` is recorded or `timeout` passes; nil: none came.
    /// Wakes on the store's event notifications (PostgreSQL) and re-reads at a short interval
    /// (SQLite, or a notification lost while the listener reconnected).
    func waitForCallback(tokenHash: String, timeout: Duration) async throws -> CallbackArrival?
}
