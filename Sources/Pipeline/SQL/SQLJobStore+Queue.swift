import Foundation

extension SQLJobStore {
    func enqueue(_ request: EnqueueRequest, source: String) async throws -> EnqueueResult {
        guard !request.workflow.isEmpty, !request.queue.isEmpty else {
            throw StoreError.invalidInput("workflow and queue must not be empty")
        }
        guard request.maxAttempts >= 1 else { throw StoreError.invalidInput("max attempts must be at least 1") }
        let key = request.uniqueKey ?? Self.defaultUniqueKey(request)
        let backend = self.backend
        return try await backend.transaction(write: true) { c in
            let result = try Self.insertOne(c, request, key: key, source: source)
            if result.created { try backend.notifyWork(c, queue: request.queue) }
            return result
        }
    }

    /// Inserts one job with its `job.enqueued` event unless its key exists. - Returns: the job.
    static func insertOne(_ c: any SQLConnection, _ request: EnqueueRequest, key: String, source: String) throws -> EnqueueResult {
        let id = UUID()
        let trigger = request.trigger ?? source
        let inserted = try c.query(
            """
            INSERT INTO jobs (id, queue, workflow, status, priority, max_attempts, run_at, unique_key, input, created_at, updated_at,
              tenant, metadata, triggered_by, request_hash)
            VALUES ($1, $2, $3, 'queued', $4, $5, COALESCE($6, {now}), $7, $8, {now}, {now}, $9, $10, $11, $12)
            ON CONFLICT (unique_key) DO NOTHING RETURNING id
            """,
            .uuid(id), .text(request.queue), .text(request.workflow), .int(request.priority),
            .int(request.maxAttempts), request.runAt.map { .int($0.unixMilliseconds) } ?? .null,
            .text(key), .text(request.input.text), .text(request.tenant), .optional(request.metadata?.text),
            .text(trigger), .optional(request.requestHash))
        guard inserted.isEmpty else {
            try event(c, job: id, type: "job.enqueued", source: source, payload: jsonObject([
                "workflow": request.workflow, "queue": request.queue, "priority": request.priority,
                "run_at": request.runAt.map { $0.unixMilliseconds }, "trigger": trigger,
            ]))
            return EnqueueResult(jobID: id, created: true)
        }
        let existing = try c.query("SELECT id, request_hash, tenant FROM jobs WHERE unique_key = $1", .text(key))
        guard let row = existing.first else {
            throw StoreError(.database, "enqueue", "unique key conflict without a job")
        }
        // A key reused by another tenant, or an Idempotency-Key reused for another request.
        if let problem = conflict(request, tenant: try row.string(2), requestHash: row[1]) { throw problem }
        return EnqueueResult(jobID: try row.uuid(0), created: false)
    }

    /// The PostgreSQL claim: $1 worker id, $2 queues (a JSON array), $3 limit. One round trip:
    /// pick with SKIP LOCKED, mark running, write the events. Each queue is read from its own
    /// range of `jobs_claim_order` in the claim order (an index scan that stops after `limit`
    /// rows), then the queues' heads are merged; rows a queue locked beyond the merged limit stay
    /// unclaimed (other claimers skip them until this statement ends).
    static let claimSQL = """
        WITH picked AS (
          SELECT c.id FROM jsonb_array_elements_text($2::jsonb) AS q(name) CROSS JOIN LATERAL (
            SELECT id, priority, run_at, created_at FROM jobs
            WHERE queue = q.name AND status IN ('queued', 'retrying') AND run_at <= {now}
            ORDER BY priority DESC, run_at, created_at
            LIMIT $3 FOR UPDATE SKIP LOCKED
          ) c
          ORDER BY c.priority DESC, c.run_at, c.created_at LIMIT $3
        ), claimed AS (
          UPDATE jobs j SET status = 'running', attempts = j.attempts + 1, lock_token = j.lock_token + 1,
            locked_by = $1, heartbeat_at = {now}, updated_at = {now}
          FROM picked WHERE j.id = picked.id
          RETURNING j.id, j.workflow, j.queue, j.input, j.attempts, j.max_attempts, j.lock_token, j.priority, j.run_at,
            EXISTS (SELECT 1 FROM steps s WHERE s.job_id = j.id)
        ), logged AS (
          INSERT INTO events (job_id, at, type, source, payload)
          SELECT id, {now}, 'job.started', $1, jsonb_build_object('attempt', attempts) FROM claimed
        )
        SELECT * FROM claimed
        """

    func claim(workerID: String, queues: [String], limit: Int) async throws -> [ClaimedJob] {
        guard limit > 0, !queues.isEmpty else { return [] }
        let queuesJSON = try JSON(encoding: queues).text
        let rows: [Row]
        switch backend.dialect {
        case .postgres:
            rows = try await backend.single(Self.claimSQL, [.text(workerID), .text(queuesJSON), .int(limit)])
        case .sqlite:
            rows = try await backend.transaction(write: true) { c in
                let claimed = try c.query(
                    """
                    UPDATE jobs SET status = 'running', attempts = attempts + 1, lock_token = lock_token + 1,
                      locked_by = $1, heartbeat_at = {now}, updated_at = {now}
                    WHERE id IN (
                      SELECT id FROM jobs
                      WHERE status IN ('queued', 'retrying') AND run_at <= {now}
                        AND queue IN (SELECT value FROM json_each($2))
                      ORDER BY priority DESC, run_at, created_at LIMIT $3)
                    RETURNING id, workflow, queue, input, attempts, max_attempts, lock_token, priority, run_at,
                      EXISTS (SELECT 1 FROM steps s WHERE s.job_id = jobs.id)
                    """,
                    .text(workerID), .text(queuesJSON), .int(limit))
                for row in claimed {
                    try Self.event(c, job: row.uuid(0), type: "job.started", source: workerID,
                                   payload: jsonObject(["attempt": try row.int(4)]))
                }
                return claimed
            }
        }
        let keyed = try rows.map { r in (row: r, priority: try r.int(7), runAt: try r.int64(8)) }
        return try keyed
            .sorted { ($0.priority, -$0.runAt) > ($1.priority, -$1.runAt) }
            .map(\.row)
            .map { r in
                try ClaimedJob(
                    lease: Lease(jobID: r.uuid(0), token: r.int64(6), workerID: workerID),
                    workflow: r.string(1), queue: r.string(2), input: JSON(unchecked: r.string(3)),
                    attempt: r.int(4), maxAttempts: r.int(5), hasSteps: !["f", "0", "false"].contains(r.string(9)))
            }
    }

    func rescueStale(olderThan: Duration, source: String) async throws -> [UUID] {
        let lock = backend.dialect == .postgres ? "FOR UPDATE SKIP LOCKED" : ""
        let backend = self.backend
        return try await backend.transaction(write: true) { c in
            let stale = try c.query(
                """
                SELECT id, locked_by, attempts, max_attempts, queue FROM jobs
                WHERE status = 'running' AND heartbeat_at < {now} - $1 ORDER BY heartbeat_at LIMIT 100 \(lock)
                """,
                .int(olderThan.milliseconds))
            for row in stale {
                let id = try row.uuid(0)
                let spent = try row.int(2) >= row.int(3)
                let error = jsonObject(["code": "heartbeat_lost", "message": "the worker stopped sending heartbeats",
                                        "worker": row[1]])
                try c.query(
                    """
                    UPDATE jobs SET status = $2, locked_by = NULL, heartbeat_at = NULL, run_at = {now}, updated_at = {now},
                      error = $3, finished_at = CASE WHEN $2 = 'dead' THEN {now} ELSE NULL END
                    WHERE id = $1
                    """,
                    .uuid(id), .text(spent ? "dead" : "queued"), .text(error.text))
                try Self.event(c, job: id, type: spent ? "job.dead" : "job.rescued", source: source, payload: jsonObject([
                    "previous_worker": row[1], "attempt": try row.int(2), "error": "heartbeat_lost",
                ]))
                if !spent { try backend.notifyWork(c, queue: try row.string(4)) }
            }
            return try stale.map { try $0.uuid(0) }
        }
    }
}
