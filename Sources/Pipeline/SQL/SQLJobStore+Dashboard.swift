import Foundation

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
