import Foundation

/// What the HTTP service reads and writes besides the queue: API keys, tenants' views of jobs,
/// events and assets, upload sessions. Every read takes the tenant, so a key never sees another
/// tenant's rows (they answer `nil`, exactly as missing ones do).
public protocol ServiceStore: JobStore, WebhookStore {
    // MARK: API keys
    /// Stores a key's SHA-256 (never the key) for `tenant`. - Returns: the key's record.
    func createKey(hash: String, tenant: String, readOnly: Bool, name: String?) async throws -> APIKeyRecord
    func keys() async throws -> [APIKeyRecord]
    /// Revokes a key by id or by id prefix. - Returns: whether a key was revoked now.
    func revokeKey(id: String) async throws -> Bool
    /// The live (not revoked) key whose SHA-256 is `hash`.
    func key(hash: String) async throws -> APIKeyRecord?

    // MARK: Tenants' jobs
    /// Enqueues every request in one transaction (one commit for all: how the API carries many
    /// concurrent POSTs). A request refused on its own (a key conflict, invalid input) gets its
    /// error and the others go on; a database failure throws for all.
    func enqueue(each requests: [EnqueueRequest], source: String) async throws -> [Result<EnqueueResult, StoreError>]

    func job(_ id: UUID, tenant: String) async throws -> Job?
    func jobs(_ query: JobQuery) async throws -> [Job]
    /// A job's events, `limit` of them after (ascending) or before (descending) the cursor id.
    func events(of jobID: UUID, after: Int64?, before: Int64?, descending: Bool, limit: Int) async throws -> [Event]
    /// A tenant's events across jobs with an id above `after`, oldest first.
    func tenantEvents(tenant: String, after: Int64, limit: Int) async throws -> [Event]
    /// The id of the newest event of the tenant (0 when none): where a live stream starts.
    func lastEventID(tenant: String) async throws -> Int64
    /// Deletes a finished job with its steps, events and assets rows.
    /// - Returns: `.done` when deleted, `.notApplicable` with its status when it is not final.
    func deleteJob(_ id: UUID, tenant: String) async throws -> ControlOutcome

    // MARK: Upload sessions
    func createUploadSession(tenant: String, expectedFiles: Int?, expectedBytes: Int64?) async throws -> UploadSession
    func uploadSession(_ id: UUID, tenant: String) async throws -> UploadSession?
    /// Records (or replaces) a file of a session.
    func recordUploadFile(session: UUID, _ file: UploadFile) async throws
    func deleteUploadSession(_ id: UUID, tenant: String) async throws

    // MARK: Dashboard
    /// Stores a signed-in browser's session (and removes expired ones).
    func createDashboardSession(_ session: DashboardSession) async throws
    /// The live session whose id hashes to `idHash`: not expired, and its key (if any) not revoked.
    func dashboardSession(idHash: String) async throws -> DashboardSession?
    func deleteDashboardSession(idHash: String) async throws
    /// A tenant's jobs counted by queue and status.
    func queueCounts(tenant: String) async throws -> [QueueCount]
    /// What happened to a tenant's jobs since `since`: jobs finished per status, and the workers
    /// that ran their steps (with the last time each was seen).
    func activity(tenant: String, since: Date) async throws -> TenantActivity

    /// Calls `handler` when events may have been written (PostgreSQL: `LISTEN/NOTIFY` on every
    /// transaction that writes events; SQLite: never, readers poll).
    func onEvents(_ handler: @escaping @Sendable () -> Void)
    /// Whether `onEvents` is called at all (PostgreSQL), so readers may poll slowly.
    var notifiesEvents: Bool { get }
    /// Whether the database answers and has every migration this build knows.
    func schemaIsCurrent() async throws -> Bool
}

/// An API key as stored: its SHA-256 stands in for it.
public struct APIKeyRecord: Sendable, Codable {
    public let id: String
    public let tenant: String
    public let readOnly: Bool
    public let name: String?
    public let createdAt: Date
    public let revokedAt: Date?
}

/// A page of a tenant's jobs, newest first.
public struct JobQuery: Sendable {
    public var tenant: String
    public var status: JobStatus?
    public var workflow: String?
    public var createdAfter: Date?
    public var createdBefore: Date?
    /// The last job of the previous page (its creation time and id).
    public var cursor: (createdAt: Int64, id: UUID)?
    public var limit: Int

    public init(tenant: String, limit: Int = 50) {
        self.tenant = tenant
        self.limit = limit
    }
}

/// A set of files a client uploads before it starts jobs on them.
public struct UploadSession: Sendable {
    public let id: UUID
    public let tenant: String
    public let expectedFiles: Int?
    public let expectedBytes: Int64?
    public let createdAt: Date
    public var files: [UploadFile]
}

/// One uploaded file: where it is in the object store, its size and digest.
public struct UploadFile: Sendable {
    public var name: String
    public var key: String
    public var bytes: Int64
    public var sha256: String
    public var contentType: String
    public var createdAt: Date

    public init(name: String, key: String, bytes: Int64, sha256: String, contentType: String, createdAt: Date = Date()) {
        self.name = name
        self.key = key
        self.bytes = bytes
        self.sha256 = sha256
        self.contentType = contentType
        self.createdAt = createdAt
    }
}

/// Opens the store a URL names, with the service's reads (see `openJobStore(url:)`).
public func openServiceStore(url: String, poolSize: Int = 4) async throws -> any ServiceStore {
    let parsed = try DatabaseURL(url)
    switch parsed.kind {
    case .postgres: return try await SQLJobStore.postgres(url: parsed, poolSize: poolSize)
    case .sqlite(let path): return try await SQLJobStore.sqlite(path: path)
    }
}

/// A dashboard sign-in: the browser holds the random id, the store its SHA-256.
public struct DashboardSession: Sendable {
    public let idHash: String
    public let tenant: String
    /// The API key signed in with; nil under `--no-auth`.
    public let keyID: String?
    /// Whether that key is read-only (then the pages change nothing).
    public let readOnly: Bool
    /// The token every state-changing form and script request must echo.
    public let csrf: String
    public let expiresAt: Date

    public init(idHash: String, tenant: String, keyID: String?, readOnly: Bool, csrf: String, expiresAt: Date) {
        self.idHash = idHash
        self.tenant = tenant
        self.keyID = keyID
        self.readOnly = readOnly
        self.csrf = csrf
        self.expiresAt = expiresAt
    }
}

/// How many of a tenant's jobs are in one status on one queue.
public struct QueueCount: Sendable {
    public let queue: String
    public let status: JobStatus
    public let count: Int
}

/// A tenant's recent activity (the dashboard's queue health).
public struct TenantActivity: Sendable {
    /// Jobs that finished in the window, per final status.
    public var finished: [JobStatus: Int]
    /// Workers that started, finished or failed a step of the tenant's jobs in the window.
    public var workers: [(id: String, lastSeen: Date)]
}
