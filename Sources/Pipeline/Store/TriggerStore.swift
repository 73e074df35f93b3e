import Foundation

/// A named inbound webhook: requests signed with its secret start `workflow` with an input
/// mapped from the payload.
public struct Hook: Sendable {
    public let id: UUID
    public var tenant: String
    /// Unique across tenants: it is the URL (`/v1/hooks/{name}`).
    public var name: String
    /// `whsec_` and base64 of the key bytes (Standard Webhooks).
    public var secret: String
    public var workflow: String
    /// Input field → JSON pointer into the payload.
    public var mapping: [String: String]
    /// The options every job gets (JSON object text).
    public var options: String
    public var createdAt: Date

    public init(id: UUID = UUID(), tenant: String, name: String, secret: String, workflow: String, mapping: [String: String],
                options: String = "{}", createdAt: Date = Date()) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.secret = secret
        self.workflow = workflow
        self.mapping = mapping
        self.options = options
        self.createdAt = createdAt
    }

    public var trigger: String { "hook:\(name)" }
}

/// Schedules, hooks and the batch trigger's reads and writes.
public protocol TriggerStore: JobStore {
    // MARK: Schedules
    /// Stores a new schedule; its `nextFireAt` is computed from now when nil.
    func createSchedule(_ schedule: Schedule) async throws -> Schedule
    func schedules(tenant: String) async throws -> [Schedule]
    func schedule(_ id: UUID, tenant: String) async throws -> Schedule?
    /// Writes every field of `schedule` (matched by id and tenant). - Returns: nil when it is not there.
    func updateSchedule(_ schedule: Schedule) async throws -> Schedule?
    func deleteSchedule(_ id: UUID, tenant: String) async throws -> Bool
    /// Fires every due schedule not locked by another process: one job per fire time, inserted
    /// with the schedule's new `next_fire_at` in one transaction, with the unique key
    /// `schedule:<id>:<fire time ms>` (so a fire time enqueues at most one job, whoever fires it).
    /// `source` names the process in the jobs' `job.enqueued` events.
    func fireDueSchedules(limit: Int, source: String) async throws -> [ScheduleFire]

    // MARK: Hooks
    /// - Throws: `StoreError` `.conflict` when the name is taken (by any tenant).
    func createHook(_ hook: Hook) async throws -> Hook
    func hooks(tenant: String) async throws -> [Hook]
    /// The hook of that name, whatever its tenant (the inbound route has no API key).
    func hook(named name: String) async throws -> Hook?
    func deleteHook(named name: String, tenant: String) async throws -> Bool

    // MARK: Upload sessions without a job
    /// The tenant's upload sessions that have files and no job yet, oldest first.
    func pendingUploadSessions(tenant: String, limit: Int) async throws -> [UploadSession]
    /// Enqueues `request` for the session and records its job on it, in one transaction, unless
    /// the session has a job already. - Returns: nil when it had one (another call won).
    func enqueue(_ request: EnqueueRequest, forUploadSession session: UUID, source: String) async throws -> EnqueueResult?
    /// Records that `job` was started from the session (when it has no job yet).
    func linkUploadSession(_ session: UUID, job: UUID) async throws
}
