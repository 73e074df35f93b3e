import Foundation

extension SQLJobStore: CallbackStore {
    func registerCallback(tokenHash: String, job: UUID, provider: String, step: String) async throws {
        _ = try await backend.single(
            "INSERT INTO provider_callbacks (token_hash, job_id, provider, step, created_at) VALUES ($1, $2, $3, $4, {now})",
            [.text(tokenHash), .uuid(job), .text(provider), .text(step)])
    }

    func recordCallback(tokenHash: String, provider: String, providerJobID: String, status: String) async throws -> UUID? {
        try await backend.transaction(write: true) { c in
            let rows = try c.query(
                """
                UPDATE provider_callbacks SET provider_job_id = $3, status = $4, arrived_at = {now}
                WHERE token_hash = $1 AND provider = $2 AND arrived_at IS NULL AND closed_at IS NULL
                RETURNING job_id, step
                """,
                .text(tokenHash), .text(provider), .text(providerJobID), .text(status))
            guard let row = rows.first else { return nil }
            let job = try row.uuid(0)
            let payload = try JSON(encoding: ["provider": provider, "provider_job_id": providerJobID, "status": status])
            try Self.event(c, job: job, type: "callback.received", source: "callback:\(provider)", step: try row.string(1), payload: payload)
            return job
        }
    }

    func callbackOpen(tokenHash: String, provider: String) async throws -> Bool {
        !(try await backend.single(
            "SELECT 1 FROM provider_callbacks WHERE token_hash = $1 AND provider = $2 AND arrived_at IS NULL AND closed_at IS NULL",
            [.text(tokenHash), .text(provider)])).isEmpty
    }

    func callbackArrival(tokenHash: String) async throws -> CallbackArrival? {
        let rows = try await backend.single(
            "SELECT provider_job_id, status, arrived_at FROM provider_callbacks WHERE token_hash = $1 AND arrived_at IS NOT NULL",
            [.text(tokenHash)])
        guard let row = rows.first else { return nil }
        return CallbackArrival(providerJobID: try row.string(0), status: try row.string(1),
                               at: try row.date(2) ?? Date())
    }

    func closeCallback(tokenHash: String) async throws {
        _ = try await backend.single(
            "UPDATE provider_callbacks SET closed_at = {now} WHERE token_hash = $1 AND closed_at IS NULL", [.text(tokenHash)])
    }

    func waitForCallback(tokenHash: String, timeout: Duration) async throws -> CallbackArrival? {
        let backend = self.backend
        // The signal is registered before the first read, so a call recorded in between still wakes it.
        let wait = callbackWakeups.begin { handler in backend.onEvents(handler) }
        defer { callbackWakeups.end(wait.id) }
        let recheck: Duration = backend.dialect == .postgres ? .seconds(5) : .milliseconds(250)
        let deadline = ContinuousClock.now + timeout
        while true {
            if let arrival = try await callbackArrival(tokenHash: tokenHash) { return arrival }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return nil }
            try Task.checkCancellation()
            await wait.signal.wait(timeout: min(left, recheck))
        }
    }
}
