import Basics
import Foundation
import Logging
import Metrics

extension Worker {
    /// Runs one job and writes its outcome: succeeded, retrying/dead, or released on shutdown.
    /// Writes are fenced: a job this worker lost (rescued, cancelled) gets no write at all.
    func runJob(_ job: ClaimedJob) async {
        let lease = job.lease
        var logger = self.logger
        logger[metadataKey: "job.id"] = "\(lease.jobID.uuidString.lowercased())"
        Gauge(label: "runner_jobs_running").record(running.count)
        do {
            let outcome = try await executor.execute(job)
            if !outcome.jobCompleted {
                // Jobs whose last write is the completion alone (no steps) share commits.
                try await completions.complete(JobCompletion(lease: lease, output: outcome.output))
            }
            Counter(label: "runner_jobs_succeeded_total", dimensions: [("workflow", job.workflow)]).increment()
        } catch {
            switch running.reason(lease.jobID) {
            case .shutdown?:
                do {
                    try await StoreRetry.run { try await store.releaseJob(lease, reason: "shutdown") }
                    Counter(label: "runner_jobs_released_total").increment()
                } catch {
                    logger.warning("could not release job", metadata: ["error": "\(error)"])
                    stopIfUnwritable(error)
                }
                return
            case .leaseLost?:
                return
            case nil:
                break
            }
            if let storeError = error as? StoreError, storeError.isLeaseLost {
                logger.info("job taken from this worker", metadata: ["error": "\(storeError)"])
                return
            }
            let failure = (error as? StepError) ?? StepError(step: nil, underlying: error)
            let delay = retryDelay(job, failure)
            do {
                let status = try await StoreRetry.run {
                    try await store.failJob(lease, error: failure.json, retryDelay: delay,
                                            permanent: !failure.failure.retryable)
                }
                let label = status == .dead ? "runner_jobs_dead_total" : "runner_jobs_failed_total"
                Counter(label: label, dimensions: [("workflow", job.workflow)]).increment()
                logger.info("job failed", metadata: ["status": "\(status.rawValue)", "error": "\(failure)"])
            } catch {
                logger.warning("could not record failure", metadata: ["error": "\(error)"])
                stopIfUnwritable(error)
            }
        }
    }
}

extension Worker {
    /// What the failure asked for (`Retry-After`), else the workflow's schedule, else the
    /// worker's exponential back-off.
    func retryDelay(_ job: ClaimedJob, _ failure: StepError) -> Duration {
        failure.failure.retryAfter
            ?? executor.registry[job.workflow]?.retryDelay(afterAttempt: job.attempt)
            ?? configuration.retryDelay(afterAttempt: job.attempt)
    }
}

/// Why a running job was stopped by its worker.
enum StopReason: Sendable {
    case shutdown, leaseLost
}

/// The jobs a worker is running, with their tasks. `Sendable` through its lock.
final class RunningJobs: Sendable {
    private struct Entry {
        var lease: Lease
        var task: Task<Void, Never>?
        var reason: StopReason?
    }
    private let entries = Locked<[UUID: Entry]>([:])

    var count: Int { entries.withLock { $0.count } }
    var leases: [Lease] { entries.withLock { $0.values.map(\.lease) } }

    func add(_ lease: Lease) { entries.withLock { $0[lease.jobID] = Entry(lease: lease) } }
    func attach(_ task: Task<Void, Never>, to id: UUID) {
        let stopNow = entries.withLock { entries -> Bool in
            guard entries[id] != nil else { return false }
            entries[id]?.task = task
            return entries[id]?.reason != nil
        }
        if stopNow { task.cancel() }
    }
    /// Removes `lease`'s entry, not a later attempt's: a job that failed and was claimed again at
    /// once is already back under a new lease when the first attempt's task gets here.
    func remove(_ lease: Lease) {
        entries.withLock { entries in
            if entries[lease.jobID]?.lease.token == lease.token { entries[lease.jobID] = nil }
        }
    }
    func contains(_ id: UUID) -> Bool { entries.withLock { $0[id] != nil } }
    func reason(_ id: UUID) -> StopReason? { entries.withLock { $0[id]?.reason } }

    /// Whether `lease` (this very attempt, by its token) is running here.
    func holds(_ lease: Lease) -> Bool { entries.withLock { $0[lease.jobID]?.lease.token == lease.token } }

    /// Stops `lease`'s attempt only: a heartbeat that sent the lease of an attempt that has just
    /// failed finds it "lost" while the job's next attempt already runs here under a new lease.
    func stop(_ lease: Lease, reason: StopReason) {
        let task = entries.withLock { entries -> Task<Void, Never>? in
            guard entries[lease.jobID]?.lease.token == lease.token else { return nil }
            entries[lease.jobID]?.reason = reason
            return entries[lease.jobID]?.task
        }
        task?.cancel()
    }


    /// Stops every job. - Returns: their tasks, to await.
    func stopAll(reason: StopReason) -> [Task<Void, Never>] {
        let tasks = entries.withLock { entries -> [Task<Void, Never>] in
            for id in entries.keys { entries[id]?.reason = reason }
            return entries.values.compactMap(\.task)
        }
        tasks.forEach { $0.cancel() }
        return tasks
    }
}
