import Foundation

extension SQLJobStore {
    func startStep(_ lease: Lease, name: String, index: Int) async throws {
        if backend.dialect == .postgres { return try await startStepPostgres(lease, name: name, index: index) }
        try await backend.transaction(write: true) { c in
            try Self.fence(c, lease, "start step")
            let rows = try c.query(
                """
                INSERT INTO steps (job_id, name, idx, status, attempts, started_at) VALUES ($1, $2, $3, 'running', 1, {now})
                ON CONFLICT (job_id, name) DO UPDATE SET status = 'running', attempts = steps.attempts + 1,
                  started_at = {now}, finished_at = NULL, error = NULL
                RETURNING attempts
                """,
                .uuid(lease.jobID), .text(name), .int(index))
            try Self.event(c, job: lease.jobID, type: "step.started", source: lease.workerID, step: name,
                           payload: jsonObject(["attempt": rows.first?.int(0) ?? 1]))
        }
    }

    func completeStep(_ lease: Lease, name: String, output: JSON, progress: Progress, jobOutput: JSON?) async throws {
        if backend.dialect == .postgres {
            return try await completeStepPostgres(lease, name: name, output: output, progress: progress, jobOutput: jobOutput)
        }
        try await backend.transaction(write: true) { c in
            try Self.fence(c, lease, "complete step")
            let rows = try c.query(
                """
                UPDATE steps SET status = 'succeeded', output = $3, finished_at = {now}
                WHERE job_id = $1 AND name = $2 AND status = 'running' RETURNING idx
                """,
                .uuid(lease.jobID), .text(name), .text(output.text))
            // A retried call whose first commit went through finds the step done: no second event.
            if !rows.isEmpty {
                try Self.writeProgress(c, lease, progress)
                try Self.event(c, job: lease.jobID, type: "step.succeeded", source: lease.workerID, step: name)
            }
            if let jobOutput { try Self.finishJob(c, lease, output: jobOutput) }
        }
    }

    func failStep(_ lease: Lease, name: String, error: JSON) async throws {
        try await backend.transaction(write: true) { c in
            try Self.fence(c, lease, "fail step")
            try c.query(
                "UPDATE steps SET status = 'failed', error = $3, finished_at = {now} WHERE job_id = $1 AND name = $2",
                .uuid(lease.jobID), .text(name), .text(error.text))
            try Self.event(c, job: lease.jobID, type: "step.failed", source: lease.workerID, step: name, payload: error)
        }
    }

    func reportProgress(_ lease: Lease, progress: Progress) async throws {
        try await backend.transaction(write: true) { c in
            try Self.fence(c, lease, "report progress")
            try Self.writeProgress(c, lease, progress)
        }
    }

    static func writeProgress(_ c: any SQLConnection, _ lease: Lease, _ progress: Progress) throws {
        try c.query(
            "UPDATE jobs SET steps_done = $2, steps_total = $3, progress = $4 WHERE id = $1",
            .uuid(lease.jobID), .int(progress.stepsDone), .int(progress.stepsTotal), .double(progress.fraction))
    }

    func completeJob(_ lease: Lease, output: JSON) async throws {
        if backend.dialect == .postgres, try await completeJobPostgres(lease, output: output) { return }
        try await backend.transaction(write: true) { c in try Self.finishJob(c, lease, output: output) }
    }

    /// Marks the job succeeded with `job.succeeded`; idempotent when a first call committed but
    /// its answer was lost with the connection.
    static func finishJob(_ c: any SQLConnection, _ lease: Lease, output: JSON) throws {
        let rows = try c.query(
            """
            UPDATE jobs SET status = 'succeeded', output = $3, error = NULL, locked_by = NULL, heartbeat_at = NULL,
              progress = 1, steps_done = steps_total, finished_at = {now}, updated_at = {now}
            WHERE id = $1 AND lock_token = $2 AND status = 'running' RETURNING id
            """,
            .uuid(lease.jobID), .int(lease.token), .text(output.text))
        guard rows.isEmpty else {
            try event(c, job: lease.jobID, type: "job.succeeded", source: lease.workerID)
            return
        }
        let state = try c.query("SELECT status, lock_token FROM jobs WHERE id = $1", .uuid(lease.jobID))
        guard let row = state.first, row[0] == JobStatus.succeeded.rawValue, try row.int64(1) == lease.token else {
            throw StoreError(.leaseLost, "complete job",
                             "job \(lease.jobID.uuidString.lowercased()) is no longer held by \(lease.workerID)")
        }
    }

    func failJob(_ lease: Lease, error: JSON, retryDelay: Duration, permanent: Bool) async throws -> JobStatus {
        try await backend.transaction(write: true) { c in
            let rows = try c.query(
                """
                UPDATE jobs SET
                  status = CASE WHEN $4 = 1 OR attempts >= max_attempts THEN 'dead' ELSE 'retrying' END,
                  run_at = CASE WHEN $4 = 1 OR attempts >= max_attempts THEN run_at ELSE {now} + $5 END,
                  finished_at = CASE WHEN $4 = 1 OR attempts >= max_attempts THEN {now} ELSE NULL END,
                  error = $3, locked_by = NULL, heartbeat_at = NULL, updated_at = {now}
                WHERE id = $1 AND lock_token = $2 AND status = 'running'
                RETURNING status, attempts, run_at
                """,
                .uuid(lease.jobID), .int(lease.token), .text(error.text), .int(permanent ? 1 : 0),
                .int(retryDelay.milliseconds))
            guard let row = rows.first, let status = try row.value(0, as: JobStatus.self) as JobStatus? else {
                throw StoreError(.leaseLost, "fail job", "job \(lease.jobID.uuidString.lowercased()) is no longer held by \(lease.workerID)")
            }
            let errorValue = (try? JSONSerialization.jsonObject(with: Data(error.text.utf8))) as? [String: Any]
            try Self.event(
                c, job: lease.jobID, type: status == .dead ? "job.dead" : "job.retrying", source: lease.workerID,
                step: errorValue?["step"] as? String,
                payload: jsonObject([
                    "attempt": try row.int(1), "run_at": status == .dead ? nil : try row.int64(2),
                    "error": errorValue?["message"] as? String, "code": errorValue?["code"] as? String,
                ]))
            return status
        }
    }

    func releaseJob(_ lease: Lease, reason: String) async throws {
        let backend = self.backend
        try await backend.transaction(write: true) { c in
            let rows = try c.query(
                """
                UPDATE jobs SET status = 'queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
                  locked_by = NULL, heartbeat_at = NULL, run_at = {now}, updated_at = {now}
                WHERE id = $1 AND lock_token = $2 AND status = 'running' RETURNING queue
                """,
                .uuid(lease.jobID), .int(lease.token))
            guard let row = rows.first else {
                throw StoreError(.leaseLost, "release job", "job \(lease.jobID.uuidString.lowercased()) is no longer held by \(lease.workerID)")
            }
            try Self.event(c, job: lease.jobID, type: "job.released", source: lease.workerID,
                           payload: jsonObject(["reason": reason]))
            try backend.notifyWork(c, queue: try row.string(0))
        }
    }

    func recordAsset(_ lease: Lease, _ asset: Asset) async throws {
        try await backend.transaction(write: true) { c in
            try Self.fence(c, lease, "record asset")
            try c.query(
                """
                INSERT INTO assets (job_id, step, kind, uri, bytes, sha256, content_type, meta, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, {now})
                ON CONFLICT (job_id, uri) DO UPDATE SET step = excluded.step, kind = excluded.kind, bytes = excluded.bytes,
                  sha256 = excluded.sha256, content_type = excluded.content_type, meta = excluded.meta
                """,
                .uuid(asset.jobID), .text(asset.step), .text(asset.kind), .text(asset.uri), .int(asset.bytes),
                .text(asset.sha256), .text(asset.contentType), .text(asset.meta))
        }
    }
}
