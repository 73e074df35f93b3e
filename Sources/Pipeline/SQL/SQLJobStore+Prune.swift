import Foundation

/// Retention: finished jobs older than an age go, with their events, steps and assets.
extension SQLJobStore {
    /// Jobs deleted per transaction by `prune`.
    static let pruneBatchSize = 5000

    func prune(olderThan: Duration) async throws -> PruneResult {
        let backend = self.backend
        let ids = backend.dialect == .postgres
            ? "SELECT jsonb_array_elements_text($1::jsonb)::uuid" : "SELECT value FROM json_each($1)"
        var jobs = 0
        var events = 0
        while true {
            let (deleted, eventCount) = try await backend.transaction(write: true) { c -> (Int, Int) in
                let doomed = try c.query(
                    """
                    SELECT id FROM jobs WHERE status IN ('succeeded', 'dead', 'cancelled') AND finished_at < {now} - $1
                    LIMIT $2
                    """,
                    .int(olderThan.milliseconds), .int(Self.pruneBatchSize))
                guard !doomed.isEmpty else { return (0, 0) }
                let list = try JSON(encoding: doomed.map { try $0.string(0) }).text
                let eventCount = try c.query("SELECT COUNT(*) FROM events WHERE job_id IN (\(ids))", .text(list)).first.map { try $0.int(0) } ?? 0
                // Events are deleted here (PostgreSQL has no foreign key on them since migration
                // 4); steps and assets go with their job (ON DELETE CASCADE).
                try c.query("DELETE FROM events WHERE job_id IN (\(ids))", .text(list))
                try c.query("DELETE FROM jobs WHERE id IN (\(ids))", .text(list))
                return (doomed.count, eventCount)
            }
            jobs += deleted
            events += eventCount
            if deleted < Self.pruneBatchSize { return PruneResult(jobs: jobs, events: events) }
        }
    }
}
