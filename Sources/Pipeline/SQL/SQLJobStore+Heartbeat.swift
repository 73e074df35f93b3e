import Foundation

/// A worker's heartbeats, all its leases in one statement on PostgreSQL.
extension SQLJobStore {
    func heartbeat(_ leases: [Lease]) async throws -> [Lease] {
        guard !leases.isEmpty else { return [] }
        let backend = self.backend
        let payload = try JSON(encoding: leases.map {
            LeaseRow(id: $0.jobID.uuidString.lowercased(), token: $0.token)
        }).text
        return try await backend.transaction(write: true) { c in
            var beaten = Set<LeaseKey>()
            switch backend.dialect {
            case .postgres:
                let rows = try c.query(
                    """
                    WITH batch AS (
                      SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(id uuid, token bigint)
                    ), locked AS (
                      SELECT j.id FROM jobs j JOIN batch i ON j.id = i.id AND j.lock_token = i.token
                      WHERE j.status = 'running' ORDER BY j.id FOR NO KEY UPDATE OF j
                    )
                    UPDATE jobs SET heartbeat_at = {now} WHERE id IN (SELECT id FROM locked) RETURNING id, lock_token
                    """,
                    .text(payload))
                beaten = Set(try rows.map { LeaseKey(jobID: try $0.uuid(0), token: try $0.int64(1)) })
            case .sqlite:
                for lease in leases {
                    let rows = try c.query(
                        "UPDATE jobs SET heartbeat_at = {now} WHERE id = $1 AND lock_token = $2 AND status = 'running' RETURNING id",
                        .uuid(lease.jobID), .int(lease.token))
                    if !rows.isEmpty { beaten.insert(LeaseKey(lease)) }
                }
            }
            let missed = leases.filter { !beaten.contains(LeaseKey($0)) }
            return try Self.reallyLost(c, missed)
        }
    }

    /// Of leases whose heartbeat found no running job: those whose job was not finished by that
    /// same lease. A lease's own completion (succeeded), retry (retrying) or failure (dead, not by
    /// the rescuer) can commit between the worker's snapshot of its leases and the heartbeat;
    /// that is not a loss. Runs as its own statement, so it sees what committed meanwhile.
    private static func reallyLost(_ c: any SQLConnection, _ missed: [Lease]) throws -> [Lease] {
        guard !missed.isEmpty else { return [] }
        var finishedByHolder = Set<LeaseKey>()
        for lease in missed {
            let rows = try c.query(
                """
                SELECT 1 FROM jobs WHERE id = $1 AND lock_token = $2
                  AND (status IN ('succeeded', 'retrying')
                    OR (status = 'dead' AND CAST(error AS TEXT) NOT LIKE '%heartbeat_lost%'))
                """,
                .uuid(lease.jobID), .int(lease.token))
            if !rows.isEmpty { finishedByHolder.insert(LeaseKey(lease)) }
        }
        return missed.filter { !finishedByHolder.contains(LeaseKey($0)) }
    }

    private struct LeaseRow: Encodable {
        let id: String
        let token: Int64
    }
}
