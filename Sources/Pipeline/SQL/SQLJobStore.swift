import Basics
import Crypto
import Foundation

/// The job store over SQL, shared by both databases: the queries are the same text for
/// PostgreSQL and SQLite except where `Dialect` says otherwise (claiming, notification, DDL types).
final class SQLJobStore: JobStore {
    let backend: any SQLBackend
    /// This process's waits for provider callbacks (`SQLJobStore+Callbacks`).
    let callbackWakeups = CallbackWakeups()

    init(backend: any SQLBackend) { self.backend = backend }

    static func sqlite(path: String) async throws -> SQLJobStore {
        SQLJobStore(backend: try await SQLiteBackend.open(path: path))
    }

    static func postgres(url: DatabaseURL, poolSize: Int) async throws -> SQLJobStore {
        SQLJobStore(backend: try await PostgresBackend.open(url: url, poolSize: poolSize))
    }

    func close() async { await backend.close() }

    func onWork(_ handler: @escaping @Sendable () -> Void) { backend.onWork(handler) }

    // MARK: Migrations

    /// Applies every version not yet recorded, in ascending order, whatever the gaps: a database
    /// that has 1, 2 and 5 gets 3 and 4 when a release brings them.
    @discardableResult
    func migrate() async throws -> [Int] {
        try await migrate(Migrations.all(for: backend.dialect))
    }

    /// Applies every version of `migrations` that `schema_migrations` lacks, lowest first: gaps
    /// are filled (a database at 1, 2, 4 takes 3 when a build that has it runs).
    @discardableResult
    func migrate(_ migrations: [(version: Int, statements: [String])]) async throws -> [Int] {
        let migrations = migrations.sorted { $0.version < $1.version }
        let backend = self.backend
        return try await backend.transaction(write: true) { c in
            try backend.lockForMigration(c)
            try c.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)")
            let applied = Set(try c.query("SELECT version FROM schema_migrations").map { try $0.int(0) })
            var done: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.statements { try c.query(statement) }
                try c.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, {now})", .int(migration.version))
                done.append(migration.version)
            }
            return done
        }
    }

    // MARK: Shared pieces

    /// Writes one event; every state change calls this inside its transaction.
    static func event(_ c: any SQLConnection, job: UUID, type: String, source: String, step: String? = nil,
                      payload: JSON? = nil) throws {
        try c.query(
            "INSERT INTO events (job_id, at, type, source, step, payload) VALUES ($1, {now}, $2, $3, $4, $5)",
            .uuid(job), .text(type), .text(source), .optional(step), .optional(payload?.text))
    }

    /// Fencing: succeeds only while `lease` still holds a running job (and locks its row).
    static func fence(_ c: any SQLConnection, _ lease: Lease, _ operation: String) throws {
        let rows = try c.query(
            "UPDATE jobs SET updated_at = {now} WHERE id = $1 AND lock_token = $2 AND status = 'running' RETURNING id",
            .uuid(lease.jobID), .int(lease.token))
        guard !rows.isEmpty else {
            throw StoreError(.leaseLost, operation, "job \(lease.jobID.uuidString.lowercased()) is no longer held by \(lease.workerID)")
        }
    }

    /// The default unique key: SHA-256 of workflow, queue and input text.
    static func defaultUniqueKey(_ request: EnqueueRequest) -> String {
        var hasher = SHA256()
        for part in [request.workflow, request.queue, request.input.text] {
            hasher.update(data: Data(part.utf8))
            hasher.update(data: Data([0]))
        }
        return hex(hasher.finalize())
    }

    /// Lower-case hex, without a `String(format:)` per byte (bulk enqueues hash every item).
    static func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let jobColumns = """
        id, queue, workflow, status, priority, attempts, max_attempts, run_at, unique_key, input, output, error, \
        locked_by, heartbeat_at, steps_done, steps_total, progress, created_at, updated_at, finished_at, \
        tenant, metadata, triggered_by
        """

    /// - Throws: `StoreError` for a damaged row (unknown status, malformed id or time).
    static func job(_ r: Row) throws -> Job {
        try Job(
            id: r.uuid(0), queue: r.string(1), workflow: r.string(2),
            status: r.value(3, as: JobStatus.self), priority: r.int(4), attempts: r.int(5),
            maxAttempts: r.int(6), runAt: r.date(7) ?? Date(timeIntervalSince1970: 0), uniqueKey: r[8],
            input: r.string(9), output: r[10], error: r[11], lockedBy: r[12], heartbeatAt: r.date(13),
            stepsDone: r.int(14), stepsTotal: r.int(15), progress: r.double(16),
            createdAt: r.date(17) ?? Date(timeIntervalSince1970: 0), updatedAt: r.date(18) ?? Date(timeIntervalSince1970: 0),
            finishedAt: r.date(19), tenant: r.string(20), metadata: r[21], trigger: r.string(22))
    }
}

extension Date {
    var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
