import Foundation

/// PostgreSQL forms of the three writes every step and job makes, each as one statement (data-
/// modifying CTEs): one round trip instead of five, the same effects as the shared transactions
/// in `SQLJobStore+Worker.swift` (fence, row change, event; all or nothing).
extension SQLJobStore {
    func startStepPostgres(_ lease: Lease, name: String, index: Int) async throws {
        let rows = try await backend.single(
            """
            WITH fence AS (
              -- A row lock, not an update: no new row version, no index writes.
              SELECT id FROM jobs WHERE id = $1::uuid AND lock_token = $2 AND status = 'running' FOR NO KEY UPDATE
            ), step AS (
              INSERT INTO steps (job_id, name, idx, status, attempts, started_at)
              SELECT id, $3::text, $4::int, 'running', 1, {now} FROM fence
              ON CONFLICT (job_id, name) DO UPDATE SET status = 'running', attempts = steps.attempts + 1,
                started_at = {now}, finished_at = NULL, error = NULL
              RETURNING attempts
            ), logged AS (
              INSERT INTO events (job_id, at, type, source, step, payload)
              SELECT $1::uuid, {now}, 'step.started', $5::text, $3::text, jsonb_build_object('attempt', attempts) FROM step
            )
            SELECT COUNT(*) FROM fence
            """,
            [.uuid(lease.jobID), .int(lease.token), .text(name), .int(index), .text(lease.workerID)])
        try Self.requireFence(rows, lease, "start step")
    }

    func completeStepPostgres(_ lease: Lease, name: String, output: JSON, progress: Progress, jobOutput: JSON?) async throws {
        // $9 (the job's output) finishes the job in the same statement when it is not NULL. The two
        // events go in one INSERT, so `step.succeeded` gets the smaller id.
        let rows = try await backend.single(
            """
            WITH fence AS (
              UPDATE jobs SET updated_at = {now}, steps_done = $5::int, steps_total = $6::int,
                progress = CASE WHEN $9::jsonb IS NULL THEN $7::float8 ELSE 1 END,
                status = CASE WHEN $9::jsonb IS NULL THEN status ELSE 'succeeded' END,
                output = CASE WHEN $9::jsonb IS NULL THEN output ELSE $9::jsonb END,
                error = CASE WHEN $9::jsonb IS NULL THEN error ELSE NULL END,
                locked_by = CASE WHEN $9::jsonb IS NULL THEN locked_by ELSE NULL END,
                heartbeat_at = CASE WHEN $9::jsonb IS NULL THEN heartbeat_at ELSE NULL END,
                finished_at = CASE WHEN $9::jsonb IS NULL THEN finished_at ELSE {now} END
              WHERE id = $1::uuid AND lock_token = $2 AND status = 'running' RETURNING id
            ), step AS (
              UPDATE steps SET status = 'succeeded', output = $4::jsonb, finished_at = {now}
              WHERE job_id = $1::uuid AND name = $3::text AND status = 'running' AND EXISTS (SELECT 1 FROM fence)
              RETURNING name
            ), logged AS (
              INSERT INTO events (job_id, at, type, source, step)
              SELECT $1::uuid, {now}, 'step.succeeded', $8::text, name FROM step
              UNION ALL
              SELECT id, {now}, 'job.succeeded', $8::text, NULL FROM fence WHERE $9::jsonb IS NOT NULL
            )
            SELECT COUNT(*) FROM fence
            """,
            [.uuid(lease.jobID), .int(lease.token), .text(name), .text(output.text), .int(progress.stepsDone),
             .int(progress.stepsTotal), .double(progress.fraction), .text(lease.workerID), .optional(jobOutput?.text)])
        try Self.requireFence(rows, lease, "complete step")
    }

    /// - Returns: false when the fence failed (the caller checks for an earlier, lost answer).
    func completeJobPostgres(_ lease: Lease, output: JSON) async throws -> Bool {
        let rows = try await backend.single(
            """
            WITH done AS (
              UPDATE jobs SET status = 'succeeded', output = $3::jsonb, error = NULL, locked_by = NULL, heartbeat_at = NULL,
                progress = 1, steps_done = steps_total, finished_at = {now}, updated_at = {now}
              WHERE id = $1::uuid AND lock_token = $2 AND status = 'running' RETURNING id
            ), logged AS (
              INSERT INTO events (job_id, at, type, source) SELECT id, {now}, 'job.succeeded', $4::text FROM done
            )
            SELECT COUNT(*) FROM done
            """,
            [.uuid(lease.jobID), .int(lease.token), .text(output.text), .text(lease.workerID)])
        return try rows.first?.int(0) == 1
    }

    static func requireFence(_ rows: [Row], _ lease: Lease, _ operation: String) throws {
        guard try rows.first?.int(0) == 1 else {
            throw StoreError(.leaseLost, operation,
                             "job \(lease.jobID.uuidString.lowercased()) is no longer held by \(lease.workerID)")
        }
    }
}
