import Foundation

/// The durable state of the job engine: jobs, steps, events, assets and uploads.
///
/// Every method is one transaction; every state change writes its event in that transaction.
/// Worker-side writes take a `Lease` and fail with `StoreError.isLeaseLost` once the worker no
/// longer holds the job (fencing). Implementations: PostgreSQL (libpq) and SQLite (libsqlite3),
/// opened with `openJobStore(url:)`.
public protocol JobStore: Sendable {
    /// Applies the missing schema migrations; safe when several processes start at once.
    /// - Returns: the versions applied by this call.
    @discardableResult func migrate() async throws -> [Int]

    // MARK: Queue
    /// Inserts a job unless one with the same unique key exists; writes `job.enqueued`.
    func enqueue(_ request: EnqueueRequest, source: String) async throws -> EnqueueResult
    /// Enqueues many jobs, many per statement (each job with its `job.enqueued` event in the same
    /// transaction). Idempotent like `enqueue`; a key repeated in `requests` gives one job.
    /// - Returns: one result per request, in order.
    func enqueue(batch requests: [EnqueueRequest], source: String) async throws -> [EnqueueResult]
    /// Claims up to `limit` runnable jobs of `queues`, highest priority first, then oldest
    /// `run_at`; each becomes `running` with a new lease and a `job.started` event.
    func claim(workerID: String, queues: [String], limit: Int) async throws -> [ClaimedJob]
    /// Refreshes the heartbeat of each lease. - Returns: the leases this worker lost (rescued,
    /// cancelled, claimed again); a job its own lease just finished (succeeded, retrying, or dead
    /// by its own failure) is not lost, so a heartbeat racing a completion reports nothing.
    func heartbeat(_ leases: [Lease]) async throws -> [Lease]
    /// Returns running jobs whose heartbeat is older than `olderThan` to the queue (or to
    /// `dead` when their attempts are spent), with a `job.rescued` event. - Returns: their ids.
    func rescueStale(olderThan: Duration, source: String) async throws -> [UUID]
    /// Calls `handler` when work may be waiting (PostgreSQL: `LISTEN/NOTIFY`; SQLite: enqueues
    /// made by this process). Workers still poll as a fallback.
    func onWork(_ handler: @escaping @Sendable () -> Void)

    // MARK: Worker writes (fenced by the lease)
    /// Marks a step running (attempts + 1) with `step.started`.
    func startStep(_ lease: Lease, name: String, index: Int) async throws
    /// Persists a step's output with `step.succeeded` and the job's progress. With `jobOutput`,
    /// the job succeeds in the same transaction (`job.succeeded`): the last step saves a commit.
    func completeStep(_ lease: Lease, name: String, output: JSON, progress: Progress, jobOutput: JSON?) async throws
    /// Records a step's failure with `step.failed`.
    func failStep(_ lease: Lease, name: String, error: JSON) async throws
    /// Records progress inside a running step (no event: progress is not a state change).
    func reportProgress(_ lease: Lease, progress: Progress) async throws
    /// Finishes the job with `job.succeeded`.
    func completeJob(_ lease: Lease, output: JSON) async throws
    /// Finishes many jobs with their `job.succeeded` events in one transaction (one statement on
    /// PostgreSQL); fenced per lease, idempotent when an earlier call's answer was lost.
    /// - Returns: the leases that were no longer held (those jobs were not touched).
    func completeJobs(_ completions: [JobCompletion]) async throws -> [Lease]
    /// Fails this attempt: `retrying` after `retryDelay` (with `job.retrying`) while attempts
    /// remain and `permanent` is false, else `dead` (with `job.dead`). - Returns: the new status.
    func failJob(_ lease: Lease, error: JSON, retryDelay: Duration, permanent: Bool) async throws -> JobStatus
    /// Gives the job back to the queue without spending an attempt (`job.released`).
    func releaseJob(_ lease: Lease, reason: String) async throws
    /// Records a file a step produced (replaces the row with the same job and uri).
    func recordAsset(_ lease: Lease, _ asset: Asset) async throws

    // MARK: Control
    /// Cancels a queued, retrying or running job (`job.cancelled`); a running one stops at its
    /// worker's next write or heartbeat.
    func cancel(jobID: UUID, source: String) async throws -> ControlOutcome
    /// Redrives a dead or cancelled job: back to `queued` with its attempts reset
    /// (`job.redriven`); its finished steps stay finished.
    func retry(jobID: UUID, source: String) async throws -> ControlOutcome

    /// Deletes jobs that finished (succeeded, dead, cancelled) more than `olderThan` ago, with
    /// their steps, assets and events, in bounded batches.
    func prune(olderThan: Duration) async throws -> PruneResult

    // MARK: Reads
    func job(_ id: UUID) async throws -> Job?
    /// Ids of jobs whose id starts with `prefix` (lower-case hex and dashes), at most `limit`.
    func jobIDs(prefix: String, limit: Int) async throws -> [UUID]
    func steps(of jobID: UUID) async throws -> [StepRecord]
    func events(of jobID: UUID) async throws -> [Event]
    /// Jobs, newest first, optionally of one status.
    func jobs(status: JobStatus?, limit: Int) async throws -> [Job]
    /// How many jobs are in each status.
    func counts() async throws -> [JobStatus: Int]
    func assets(of jobID: UUID) async throws -> [Asset]

    // MARK: Multipart uploads
    func saveUpload(_ upload: UploadState) async throws
    func upload(uri: String) async throws -> UploadState?
    func deleteUpload(uri: String) async throws

    /// Closes connections and stops background threads.
    func close() async
}

extension JobStore {
    /// Persists a step's output with `step.succeeded` and the job's progress.
    public func completeStep(_ lease: Lease, name: String, output: JSON, progress: Progress) async throws {
        try await completeStep(lease, name: name, output: output, progress: progress, jobOutput: nil)
    }
}

/// Progress of a job: whole steps done out of the total, and the overall fraction.
public struct Progress: Sendable, Hashable {
    public var stepsDone: Int
    public var stepsTotal: Int
    public var fraction: Double
    public init(stepsDone: Int, stepsTotal: Int, fraction: Double) {
        self.stepsDone = stepsDone
        self.stepsTotal = stepsTotal
        self.fraction = min(max(fraction, 0), 1)
    }
}

/// Opens the store a URL names: `postgres://…` / `postgresql://…` or `sqlite:PATH`.
/// - Throws: `StoreError` when the URL is not understood or the database cannot be opened.
/// - Parameter create: whether a missing SQLite file is created; commands that only read or
///   change existing jobs pass false, so that a typo or the wrong folder creates nothing.
public func openJobStore(url: String, poolSize: Int = 4, create: Bool = true) async throws -> any JobStore {
    let parsed = try DatabaseURL(url)
    switch parsed.kind {
    case .postgres:
        return try await SQLJobStore.postgres(url: parsed, poolSize: poolSize)
    case .sqlite(let path):
        if !create, !FileManager.default.fileExists(atPath: path) {
            throw StoreError(.notFound, "open", "no job database at \(path): nothing has run with it yet "
                             + "(pass --database-url or set DATABASE_URL to the database `runner process` or `runner worker` used)")
        }
        return try await SQLJobStore.sqlite(path: path)
    }
}
