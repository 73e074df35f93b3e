import Foundation

/// The status of a job (DESIGN.md, "Job model").
public enum JobStatus: String, Sendable, CaseIterable, Codable {
    case queued, running, succeeded, retrying, dead, cancelled

    /// Whether the job will not run again unless redriven.
    public var isFinal: Bool { self == .succeeded || self == .dead || self == .cancelled }
}

/// The status of one step of a job.
public enum StepStatus: String, Sendable, Codable {
    case running, succeeded, failed
}

/// What to enqueue. `uniqueKey` makes enqueueing idempotent: a second enqueue with the same key
/// returns the first job. When nil, the key is the SHA-256 of workflow, queue and input.
public struct EnqueueRequest: Sendable {
    public var workflow: String
    public var input: JSON
    public var queue: String
    public var priority: Int
    public var maxAttempts: Int
    public var runAt: Date?
    public var uniqueKey: String?
    /// The tenant that owns the job (the HTTP service's API keys belong to tenants).
    public var tenant: String = "default"
    /// The caller's own JSON object, returned with the job.
    public var metadata: JSON?
    /// How the job was started: `api`, `cli`, `rerun:<job>`, `schedule:<id>`, `hook:<name>`
    /// (nil: the enqueue's `source`).
    public var trigger: String?
    /// With a `uniqueKey` from an `Idempotency-Key`: the hash of the request that made the job.
    /// A second enqueue with the same key and another hash fails with `StoreError.isConflict`.
    public var requestHash: String?

    public init(
        workflow: String, input: JSON, queue: String = "default", priority: Int = 0,
        maxAttempts: Int = 3, runAt: Date? = nil, uniqueKey: String? = nil
    ) {
        self.workflow = workflow
        self.input = input
        self.queue = queue
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.runAt = runAt
        self.uniqueKey = uniqueKey
    }
}

/// The answer to an enqueue: the job's id and whether this call created it.
public struct EnqueueResult: Sendable, Hashable {
    public let jobID: UUID
    public let created: Bool
    /// The row as inserted, where the store returns it with the insert (PostgreSQL's batch
    /// insert does): the API answers from it without reading the job back.
    public var job: Job?

    public init(jobID: UUID, created: Bool, job: Job? = nil) {
        self.jobID = jobID
        self.created = created
        self.job = job
    }

    public static func == (a: EnqueueResult, b: EnqueueResult) -> Bool { a.jobID == b.jobID && a.created == b.created }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(jobID)
        hasher.combine(created)
    }
}

/// Proof that a worker holds a job: every write of the worker is checked against `token`
/// (fencing), so a worker whose job was rescued or cancelled cannot write results.
public struct Lease: Sendable, Hashable {
    public let jobID: UUID
    public let token: Int64
    public let workerID: String
}

/// A finished job's result, waiting to be written with others in one statement.
public struct JobCompletion: Sendable {
    public let lease: Lease
    public let output: JSON
    public init(lease: Lease, output: JSON) {
        self.lease = lease
        self.output = output
    }
}

/// What `prune` removed.
public struct PruneResult: Sendable, Hashable {
    /// Finished jobs deleted (with their steps, assets and events).
    public let jobs: Int
    /// Their events.
    public let events: Int
}

/// A job claimed by a worker.
public struct ClaimedJob: Sendable {
    public let lease: Lease
    public let workflow: String
    public let queue: String
    public let input: JSON
    /// 1 for the first run, 2 for the first retry, …
    public let attempt: Int
    public let maxAttempts: Int
    /// Whether the job has step rows from an earlier run (else there is nothing to resume).
    let hasSteps: Bool
}

/// A job as stored.
public struct Job: Sendable, Codable {
    public let id: UUID
    public let queue: String
    public let workflow: String
    public let status: JobStatus
    public let priority: Int
    public let attempts: Int
    public let maxAttempts: Int
    public let runAt: Date
    public let uniqueKey: String?
    public let input: String
    public let output: String?
    public let error: String?
    public let lockedBy: String?
    public let heartbeatAt: Date?
    public let stepsDone: Int
    public let stepsTotal: Int
    /// 0…1, finished steps plus the fraction reported inside the running ones.
    public let progress: Double
    public let createdAt: Date
    public let updatedAt: Date
    public let finishedAt: Date?
    public let tenant: String
    /// The caller's JSON object, if any.
    public let metadata: String?
    /// How the job was started (`api`, `cli`, `rerun:<job>`, …).
    public let trigger: String
}

/// One step of a job as stored.
public struct StepRecord: Sendable, Codable {
    public let name: String
    public let index: Int
    public let status: StepStatus
    public let attempts: Int
    public let output: String?
    public let error: String?
    public let startedAt: Date?
    public let finishedAt: Date?
}

/// One entry of a job's history.
public struct Event: Sendable, Codable {
    public let id: Int64
    public let jobID: UUID
    public let at: Date
    /// e.g. `job.enqueued`, `job.started`, `step.started`, `step.succeeded`, `job.retrying`.
    public let type: String
    /// Who made the change: a worker id, `cli`, or `rescuer:<worker id>`.
    public let source: String
    /// The step the change belongs to, if any.
    public let step: String?
    public let payload: String?
}

/// A file a step produced.
public struct Asset: Sendable, Codable {
    public var jobID: UUID
    public var step: String
    public var kind: String
    public var uri: String
    public var bytes: Int64
    public var sha256: String
    public var contentType: String
    public var meta: String

    public init(jobID: UUID, step: String, kind: String, uri: String, bytes: Int64, sha256: String,
                contentType: String, meta: JSON = .emptyObject) {
        self.jobID = jobID
        self.step = step
        self.kind = kind
        self.uri = uri
        self.bytes = bytes
        self.sha256 = sha256
        self.contentType = contentType
        self.meta = meta.text
    }
}

/// A multipart upload in flight, kept so that a restarted worker resumes it.
public struct UploadState: Sendable, Codable {
    public struct Part: Sendable, Codable, Hashable {
        public var number: Int
        public var etag: String
        public init(number: Int, etag: String) { self.number = number; self.etag = etag }
    }
    public var uri: String
    public var jobID: UUID?
    public var uploadID: String
    public var partSize: Int64
    public var parts: [Part]
    /// Size and SHA-256 of the source when the upload began: a changed file starts over.
    public var size: Int64?
    public var sha256: String?

    public init(uri: String, jobID: UUID?, uploadID: String, partSize: Int64, parts: [Part] = [], size: Int64? = nil,
                sha256: String? = nil) {
        self.uri = uri
        self.jobID = jobID
        self.uploadID = uploadID
        self.partSize = partSize
        self.parts = parts
        self.size = size
        self.sha256 = sha256
    }
}

/// What `cancel` and `retry` did.
public enum ControlOutcome: Sendable, Equatable {
    /// The change was made; the job was in `from` before.
    case done(from: JobStatus)
    /// The job is in a status this action does not apply to.
    case notApplicable(JobStatus)
}
