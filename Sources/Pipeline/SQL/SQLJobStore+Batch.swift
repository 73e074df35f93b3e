import Foundation

/// The batched forms of the queue's hot writes: many jobs per statement on PostgreSQL (a JSON
/// array parameter unpacked by `jsonb_to_recordset`), one transaction of single-row statements
/// on SQLite. Each job's row change and its event stay in one transaction.
extension SQLJobStore {
    /// Rows per enqueue statement: large enough to amortise the commit, small enough that one
    /// parameter stays a few hundred KB.
    static let enqueueBatchSize = 1000

    func enqueue(batch requests: [EnqueueRequest], source: String) async throws -> [EnqueueResult] {
        for request in requests {
            if let problem = Self.invalid(request) { throw problem }
        }
        return try await enqueueAll(requests, source: source).map { try $0.get() }
    }

    /// Why `request` cannot be enqueued at all, if it cannot.
    static func invalid(_ request: EnqueueRequest) -> StoreError? {
        guard !request.workflow.isEmpty, !request.queue.isEmpty else { return StoreError.invalidInput("workflow and queue must not be empty") }
        guard request.maxAttempts >= 1 else { return StoreError.invalidInput("max attempts must be at least 1") }
        return nil
    }

    /// Enqueues many jobs, one result per request in order: an invalid request, or a unique key
    /// already used by another tenant or (with a request hash) for another request, fails alone.
    /// The command line's bulk enqueue and the API's coalesced posts both come through here.
    func enqueueAll(_ requests: [EnqueueRequest], source: String) async throws -> [Result<EnqueueResult, StoreError>] {
        var results = [Result<EnqueueResult, StoreError>?](repeating: nil, count: requests.count)
        // A key given twice in one call names one job: only its first request is inserted.
        let keys = requests.map { $0.uniqueKey ?? Self.defaultUniqueKey($0) }
        var firstIndex: [String: Int] = [:]
        firstIndex.reserveCapacity(keys.count)
        var distinct: [Int] = []
        for (index, request) in requests.enumerated() {
            if let problem = Self.invalid(request) {
                results[index] = .failure(problem)
            } else if firstIndex[keys[index]] == nil {
                firstIndex[keys[index]] = index
                distinct.append(index)
            }
        }
        var start = 0
        while start < distinct.count {
            let chunk = Array(distinct[start..<min(start + Self.enqueueBatchSize, distinct.count)])
            let answers = try await insertBatch(chunk.map { (request: requests[$0], key: keys[$0]) }, source: source)
            for (index, answer) in zip(chunk, answers) { results[index] = answer }
            start += chunk.count
        }
        return requests.indices.map { index in
            if let result = results[index] { return result }
            let first = firstIndex[keys[index]]!
            guard case .success(let done) = results[first]! else { return results[first]! }
            if let problem = Self.conflict(requests[index], tenant: requests[first].tenant, requestHash: requests[first].requestHash) {
                return .failure(problem)
            }
            return .success(EnqueueResult(jobID: done.jobID, created: false))
        }
    }

    /// The conflict of a request whose key is already a job's (of `tenant`, made from `requestHash`).
    static func conflict(_ request: EnqueueRequest, tenant: String, requestHash: String?) -> StoreError? {
        guard tenant != request.tenant || (request.requestHash != nil && requestHash != request.requestHash) else { return nil }
        return StoreError(.conflict, "enqueue", "the key was used for another request")
    }

    /// Inserts distinct keys in one transaction. - Returns: one result per item, in order.
    private func insertBatch(_ items: [(request: EnqueueRequest, key: String)], source: String) async throws
        -> [Result<EnqueueResult, StoreError>]
    {
        let backend = self.backend
        switch backend.dialect {
        case .postgres:
            let rows = items.enumerated().map { index, item in
                BatchRow(ord: index, id: UUID().uuidString.lowercased(), queue: item.request.queue,
                         workflow: item.request.workflow, priority: item.request.priority,
                         max_attempts: item.request.maxAttempts, run_at: item.request.runAt?.unixMilliseconds,
                         unique_key: item.key, input: item.request.input.text, tenant: item.request.tenant,
                         metadata: item.request.metadata?.text, triggered_by: item.request.trigger ?? source,
                         request_hash: item.request.requestHash)
            }
            let payload = try JSON(encoding: rows).text
            return try await backend.transaction(write: true) { c in
                // The events and the rows go in one statement; `run_at` of the event is the one
                // asked for (absent when the job runs now), as in `enqueue`.
                let inserted = try c.query(
                    """
                    WITH batch AS (
                      SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(ord int, id uuid, queue text, workflow text,
                        priority int, max_attempts int, run_at bigint, unique_key text, input text, tenant text,
                        metadata text, triggered_by text, request_hash text)
                    ), inserted AS (
                      INSERT INTO jobs (id, queue, workflow, status, priority, max_attempts, run_at, unique_key, input,
                        created_at, updated_at, tenant, metadata, triggered_by, request_hash)
                      SELECT id, queue, workflow, 'queued', priority, max_attempts, COALESCE(run_at, {now}), unique_key,
                        input::jsonb, {now}, {now}, tenant, metadata::jsonb, triggered_by, request_hash
                      FROM batch ORDER BY ord
                      ON CONFLICT (unique_key) DO NOTHING
                      RETURNING \(Self.jobColumns)
                    ), logged AS (
                      INSERT INTO events (job_id, at, type, source, payload)
                      SELECT i.id, {now}, 'job.enqueued', $2::text, jsonb_strip_nulls(jsonb_build_object(
                        'workflow', i.workflow, 'queue', i.queue, 'priority', i.priority, 'run_at', i.run_at,
                        'trigger', i.triggered_by))
                      FROM inserted n JOIN batch i ON i.id = n.id ORDER BY i.ord
                    )
                    SELECT \(Self.jobColumns) FROM inserted
                    """,
                    .text(payload), .text(source))
                let createdJobs = try inserted.map { try Self.job($0) }
                let created = Dictionary(createdJobs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                // A new statement sees keys another transaction committed while this one waited.
                var existing: [String: (id: UUID, requestHash: String?, tenant: String)] = [:]
                if created.count < items.count {
                    let keys = try JSON(encoding: zip(rows, items).filter { created[UUID(uuidString: $0.0.id)!] == nil }.map(\.1.key)).text
                    for row in try c.query(
                        "SELECT unique_key, id, request_hash, tenant FROM jobs WHERE unique_key IN (SELECT jsonb_array_elements_text($1::jsonb))",
                        .text(keys)) {
                        existing[try row.string(0)] = (try row.uuid(1), row[2], try row.string(3))
                    }
                }
                for queue in Set(createdJobs.map(\.queue)).sorted() { try backend.notifyWork(c, queue: queue) }
                return try zip(rows, items).map { row, item -> Result<EnqueueResult, StoreError> in
                    let id = UUID(uuidString: row.id)!
                    if let job = created[id] { return .success(EnqueueResult(jobID: id, created: true, job: job)) }
                    guard let other = existing[item.key] else {
                        throw StoreError(.database, "enqueue", "unique key conflict without a job")
                    }
                    if let problem = Self.conflict(item.request, tenant: other.tenant, requestHash: other.requestHash) { return .failure(problem) }
                    return .success(EnqueueResult(jobID: other.id, created: false))
                }
            }
        case .sqlite:
            return try await backend.transaction(write: true) { c in
                var queues = Set<String>()
                let results = try items.map { item -> Result<EnqueueResult, StoreError> in
                    do {
                        let result = try Self.insertOne(c, item.request, key: item.key, source: source)
                        if result.created { queues.insert(item.request.queue) }
                        return .success(result)
                    } catch let error as StoreError where error.isConflict {
                        return .failure(error)
                    }
                }
                for queue in queues.sorted() { try backend.notifyWork(c, queue: queue) }
                return results
            }
        }
    }

    private struct BatchRow: Encodable {
        let ord: Int
        let id: String
        let queue: String
        let workflow: String
        let priority: Int
        let max_attempts: Int
        let run_at: Int64?
        let unique_key: String
        let input: String
        let tenant: String
        let metadata: String?
        let triggered_by: String
        let request_hash: String?
    }

    // MARK: Completions

    func completeJobs(_ completions: [JobCompletion]) async throws -> [Lease] {
        guard !completions.isEmpty else { return [] }
        let backend = self.backend
        switch backend.dialect {
        case .postgres:
            let payload = try JSON(encoding: completions.map {
                CompletionRow(id: $0.lease.jobID.uuidString.lowercased(), token: $0.lease.token,
                              source: $0.lease.workerID, output: $0.output.text)
            }).text
            return try await backend.transaction(write: true) { c in
                // Rows are locked in id order (as the batched heartbeat does), so two batches
                // never wait on each other in a cycle.
                let done = try c.query(
                    """
                    WITH batch AS (
                      SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(id uuid, token bigint, source text, output text)
                    ), locked AS (
                      SELECT j.id FROM jobs j JOIN batch i ON j.id = i.id AND j.lock_token = i.token
                      WHERE j.status = 'running' ORDER BY j.id FOR NO KEY UPDATE OF j
                    ), done AS (
                      UPDATE jobs j SET status = 'succeeded', output = i.output::jsonb, error = NULL, locked_by = NULL,
                        heartbeat_at = NULL, progress = 1, steps_done = j.steps_total, finished_at = {now}, updated_at = {now}
                      FROM batch i
                      WHERE j.id = i.id AND j.lock_token = i.token AND j.status = 'running' AND j.id IN (SELECT id FROM locked)
                      RETURNING j.id, j.lock_token, i.source
                    ), logged AS (
                      INSERT INTO events (job_id, at, type, source) SELECT id, {now}, 'job.succeeded', source FROM done
                    )
                    SELECT id, lock_token FROM done
                    """,
                    .text(payload))
                // By lease, not by job: a stale lease of a job completed in the same batch is lost.
                let finished = Set(try done.map { LeaseKey(jobID: try $0.uuid(0), token: try $0.int64(1)) })
                return try Self.notFinished(c, completions.filter { !finished.contains(LeaseKey($0.lease)) })
            }
        case .sqlite:
            return try await backend.transaction(write: true) { c in
                var lost: [Lease] = []
                for completion in completions {
                    do {
                        try Self.finishJob(c, completion.lease, output: completion.output)
                    } catch let error as StoreError where error.isLeaseLost {
                        lost.append(completion.lease)
                    }
                }
                return lost
            }
        }
    }

    /// Of completions the batch did not apply: those not already succeeded under their own lease
    /// (an earlier attempt whose answer was lost did it) are lost.
    private static func notFinished(_ c: any SQLConnection, _ missed: [JobCompletion]) throws -> [Lease] {
        guard !missed.isEmpty else { return [] }
        let ids = try JSON(encoding: missed.map { $0.lease.jobID.uuidString.lowercased() }).text
        var state: [UUID: (status: String, token: Int64)] = [:]
        for row in try c.query(
            "SELECT id, status, lock_token FROM jobs WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid)",
            .text(ids)) {
            state[try row.uuid(0)] = (try row.string(1), try row.int64(2))
        }
        return missed.compactMap { completion in
            let now = state[completion.lease.jobID]
            return now?.status == JobStatus.succeeded.rawValue && now?.token == completion.lease.token ? nil : completion.lease
        }
    }

    private struct CompletionRow: Encodable {
        let id: String
        let token: Int64
        let source: String
        let output: String
    }

    /// A lease without its worker: two leases of one job differ by token.
    struct LeaseKey: Hashable {
        let jobID: UUID
        let token: Int64
        init(jobID: UUID, token: Int64) {
            self.jobID = jobID
            self.token = token
        }
        init(_ lease: Lease) { self.init(jobID: lease.jobID, token: lease.token) }
    }
}
