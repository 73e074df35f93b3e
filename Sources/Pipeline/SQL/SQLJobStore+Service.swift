import Foundation

extension SQLJobStore: ServiceStore {
    // MARK: Jobs

    func enqueue(each requests: [EnqueueRequest], source: String) async throws -> [Result<EnqueueResult, StoreError>] {
        try await enqueueAll(requests, source: source)
    }

    // MARK: API keys

    private static let keyColumns = "id, tenant, read_only, name, created_at, revoked_at"

    private static func key(_ r: Row) throws -> APIKeyRecord {
        APIKeyRecord(id: try r.string(0), tenant: try r.string(1), readOnly: try r.int(2) != 0, name: r[3],
                     createdAt: try r.date(4) ?? Date(timeIntervalSince1970: 0), revokedAt: try r.date(5))
    }

    func createKey(hash: String, tenant: String, readOnly: Bool, name: String?) async throws -> APIKeyRecord {
        guard !tenant.isEmpty else { throw StoreError.invalidInput("the tenant must not be empty") }
        // The id names the key in lists and revocations; it is not derived from the key.
        let id = "key_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let rows = try await backend.single(
            "INSERT INTO api_keys (id, key_hash, tenant, read_only, name, created_at) VALUES ($1, $2, $3, $4, $5, {now}) RETURNING \(Self.keyColumns)",
            [.text(String(id)), .text(hash), .text(tenant), .int(readOnly ? 1 : 0), .optional(name)])
        guard let row = rows.first else { throw StoreError(.database, "create key", "no row returned") }
        return try Self.key(row)
    }

    func keys() async throws -> [APIKeyRecord] {
        try await backend.single("SELECT \(Self.keyColumns) FROM api_keys ORDER BY created_at, id", []).map { try Self.key($0) }
    }

    func revokeKey(id: String) async throws -> Bool {
        let matches = try await backend.single("SELECT id FROM api_keys WHERE id = $1 OR id LIKE $2", [.text(id), .text(id + "%")])
        guard matches.count <= 1 else { throw StoreError.invalidInput("\(id) matches \(matches.count) keys; give more of the id") }
        guard let match = matches.first else { throw StoreError(.notFound, "revoke key", "no key \(id)") }
        let rows = try await backend.single(
            "UPDATE api_keys SET revoked_at = {now} WHERE id = $1 AND revoked_at IS NULL RETURNING id", [.text(try match.string(0))])
        return !rows.isEmpty
    }

    func key(hash: String) async throws -> APIKeyRecord? {
        try await backend.single(
            "SELECT \(Self.keyColumns) FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL", [.text(hash)]
        ).first.map { try Self.key($0) }
    }

    // MARK: Tenants' jobs

    func job(_ id: UUID, tenant: String) async throws -> Job? {
        try await backend.single("SELECT \(Self.jobColumns) FROM jobs WHERE id = $1 AND tenant = $2", [.uuid(id), .text(tenant)])
            .first.map { try Self.job($0) }
    }

    func jobs(_ query: JobQuery) async throws -> [Job] {
        var conditions = ["tenant = $1"]
        var params: [SQLValue] = [.text(query.tenant)]
        func add(_ condition: (String) -> String, _ value: SQLValue) {
            params.append(value)
            conditions.append(condition("$\(params.count)"))
        }
        if let status = query.status { add({ "status = \($0)" }, .text(status.rawValue)) }
        if let workflow = query.workflow { add({ "workflow = \($0)" }, .text(workflow)) }
        if let after = query.createdAfter { add({ "created_at > \($0)" }, .int(after.unixMilliseconds)) }
        if let before = query.createdBefore { add({ "created_at < \($0)" }, .int(before.unixMilliseconds)) }
        if let cursor = query.cursor {
            params.append(.int(cursor.createdAt))
            params.append(.uuid(cursor.id))
            let (t, i) = ("$\(params.count - 1)", "$\(params.count)")
            conditions.append("(created_at < \(t) OR (created_at = \(t) AND id < \(i)))")
        }
        params.append(.int(max(1, query.limit)))
        let sql = "SELECT \(Self.jobColumns) FROM jobs WHERE \(conditions.joined(separator: " AND ")) "
            + "ORDER BY created_at DESC, id DESC LIMIT $\(params.count)"
        return try await backend.single(sql, params).map { try Self.job($0) }
    }

    private static let eventColumns = "e.id, e.job_id, e.at, e.type, e.source, e.step, e.payload"

    private static func event(_ r: Row) throws -> Event {
        Event(id: try r.int64(0), jobID: try r.uuid(1), at: try r.date(2) ?? Date(timeIntervalSince1970: 0), type: try r.string(3),
              source: try r.string(4), step: r[5], payload: r[6])
    }

    func events(of jobID: UUID, after: Int64?, before: Int64?, descending: Bool, limit: Int) async throws -> [Event] {
        let sql = "SELECT \(Self.eventColumns) FROM events e WHERE e.job_id = $1 AND e.id > $2 AND e.id < $3 "
            + "ORDER BY e.id \(descending ? "DESC" : "ASC") LIMIT $4"
        return try await backend.single(
            sql, [.uuid(jobID), .int(after ?? 0), .int(before ?? Int64.max), .int(max(1, limit))]
        ).map { try Self.event($0) }
    }

    func tenantEvents(tenant: String, after: Int64, limit: Int) async throws -> [Event] {
        try await backend.single(
            """
            SELECT \(Self.eventColumns) FROM events e JOIN jobs j ON j.id = e.job_id
            WHERE e.id > $1 AND j.tenant = $2 ORDER BY e.id LIMIT $3
            """,
            [.int(after), .text(tenant), .int(max(1, limit))]
        ).map { try Self.event($0) }
    }

    func lastEventID(tenant: String) async throws -> Int64 {
        try await backend.single(
            "SELECT COALESCE(MAX(e.id), 0) FROM events e JOIN jobs j ON j.id = e.job_id WHERE j.tenant = $1", [.text(tenant)]
        ).first.map { try $0.int64(0) } ?? 0
    }

    func deleteJob(_ id: UUID, tenant: String) async throws -> ControlOutcome {
        try await backend.transaction(write: true) { c in
            guard let row = try c.query("SELECT status FROM jobs WHERE id = $1 AND tenant = $2", .uuid(id), .text(tenant)).first,
                  let status = JobStatus(rawValue: try row.string(0))
            else { throw StoreError(.notFound, "delete job", "no job \(id.uuidString.lowercased())") }
            guard status.isFinal else { return .notApplicable(status) }
            // Steps and assets go with the job (ON DELETE CASCADE); events have no foreign key on
            // PostgreSQL (migration 4), so they are deleted here.
            try c.query("DELETE FROM events WHERE job_id = $1", .uuid(id))
            try c.query("DELETE FROM jobs WHERE id = $1", .uuid(id))
            return .done(from: status)
        }
    }

    // MARK: Upload sessions

    func createUploadSession(tenant: String, expectedFiles: Int?, expectedBytes: Int64?) async throws -> UploadSession {
        let id = UUID()
        let rows = try await backend.single(
            "INSERT INTO upload_sessions (id, tenant, expected_files, expected_bytes, created_at) VALUES ($1, $2, $3, $4, {now}) RETURNING created_at",
            [.uuid(id), .text(tenant), expectedFiles.map { .int($0) } ?? .null, expectedBytes.map { .int($0) } ?? .null])
        return UploadSession(id: id, tenant: tenant, expectedFiles: expectedFiles, expectedBytes: expectedBytes,
                             createdAt: try rows.first?.date(0) ?? Date(), files: [])
    }

    func uploadSession(_ id: UUID, tenant: String) async throws -> UploadSession? {
        try await backend.transaction(write: false) { c in
            guard let r = try c.query(
                "SELECT id, tenant, expected_files, expected_bytes, created_at FROM upload_sessions WHERE id = $1 AND tenant = $2",
                .uuid(id), .text(tenant)).first
            else { return nil }
            let files = try c.query(
                "SELECT name, object_key, bytes, sha256, content_type, created_at FROM upload_files WHERE session_id = $1 ORDER BY created_at, name",
                .uuid(id)
            ).map { f in
                UploadFile(name: try f.string(0), key: try f.string(1), bytes: try f.int64(2), sha256: try f.string(3), contentType: try f.string(4),
                           createdAt: try f.date(5) ?? Date(timeIntervalSince1970: 0))
            }
            return UploadSession(id: id, tenant: try r.string(1), expectedFiles: r[2].flatMap { Int($0) },
                                 expectedBytes: r[3].flatMap { Int64($0) }, createdAt: try r.date(4) ?? Date(timeIntervalSince1970: 0),
                                 files: files)
        }
    }

    func recordUploadFile(session: UUID, _ file: UploadFile) async throws {
        _ = try await backend.single(
            """
            INSERT INTO upload_files (session_id, name, object_key, bytes, sha256, content_type, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, {now})
            ON CONFLICT (session_id, name) DO UPDATE SET object_key = excluded.object_key, bytes = excluded.bytes,
              sha256 = excluded.sha256, content_type = excluded.content_type
            """,
            [.uuid(session), .text(file.name), .text(file.key), .int(file.bytes), .text(file.sha256), .text(file.contentType)])
    }

    func deleteUploadSession(_ id: UUID, tenant: String) async throws {
        _ = try await backend.single("DELETE FROM upload_sessions WHERE id = $1 AND tenant = $2", [.uuid(id), .text(tenant)])
    }

    func onEvents(_ handler: @escaping @Sendable () -> Void) { backend.onEvents(handler) }

    var notifiesEvents: Bool { backend.dialect == .postgres }

    func schemaIsCurrent() async throws -> Bool {
        let known = Set(Migrations.all(for: backend.dialect).map(\.version))
        let applied = Set(try await backend.single("SELECT version FROM schema_migrations", []).map { try $0.int(0) })
        return known.isSubset(of: applied)
    }
}


/// The dashboard's reads and writes: sign-in sessions and a tenant's queue health.
extension SQLJobStore {
    func createDashboardSession(_ session: DashboardSession) async throws {
        try await backend.transaction(write: true) { c in
            try c.query("DELETE FROM dashboard_sessions WHERE expires_at < {now}")
            try c.query(
                "INSERT INTO dashboard_sessions (id_hash, tenant, key_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, {now}, $5)",
                .text(session.idHash), .text(session.tenant), .optional(session.keyID), .text(session.csrf),
                .int(session.expiresAt.unixMilliseconds))
        }
    }

    func dashboardSession(idHash: String) async throws -> DashboardSession? {
        // A revoked (or deleted) key ends its sessions at once: the join finds no live key.
        let rows = try await backend.single(
            """
            SELECT s.id_hash, s.tenant, s.key_id, COALESCE(k.read_only, 0), s.csrf, s.expires_at
            FROM dashboard_sessions s LEFT JOIN api_keys k ON k.id = s.key_id
            WHERE s.id_hash = $1 AND s.expires_at > {now}
              AND (s.key_id IS NULL OR (k.id IS NOT NULL AND k.revoked_at IS NULL))
            """, [.text(idHash)])
        return try rows.first.map { r in
            DashboardSession(idHash: try r.string(0), tenant: try r.string(1), keyID: r[2], readOnly: try r.int(3) != 0,
                             csrf: try r.string(4), expiresAt: try r.date(5) ?? Date(timeIntervalSince1970: 0))
        }
    }

    func deleteDashboardSession(idHash: String) async throws {
        _ = try await backend.single("DELETE FROM dashboard_sessions WHERE id_hash = $1", [.text(idHash)])
    }

    func queueCounts(tenant: String) async throws -> [QueueCount] {
        try await backend.single(
            "SELECT queue, status, COUNT(*) FROM jobs WHERE tenant = $1 GROUP BY queue, status ORDER BY queue, status", [.text(tenant)]
        ).map { QueueCount(queue: try $0.string(0), status: try $0.value(1, as: JobStatus.self), count: try $0.int(2)) }
    }

    func activity(tenant: String, since: Date) async throws -> TenantActivity {
        let cutoff = SQLValue.int(since.unixMilliseconds)
        var finished: [JobStatus: Int] = [:]
        for row in try await backend.single(
            "SELECT status, COUNT(*) FROM jobs WHERE tenant = $1 AND finished_at > $2 GROUP BY status", [.text(tenant), cutoff]) {
            finished[try row.value(0, as: JobStatus.self)] = try row.int(1)
        }
        let workers = try await backend.single(
            """
            SELECT e.source, MAX(e.at) FROM events e JOIN jobs j ON j.id = e.job_id
            WHERE j.tenant = $1 AND e.at > $2 AND e.type IN ('step.started', 'step.succeeded', 'step.failed', 'job.succeeded')
            GROUP BY e.source ORDER BY MAX(e.at) DESC LIMIT 100
            """, [.text(tenant), cutoff]
        ).map { (id: try $0.string(0), lastSeen: try $0.date(1) ?? since) }
        return TenantActivity(finished: finished, workers: workers)
    }
}
