import Basics
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// A worker: claims jobs from the store and runs them, at most `concurrency` at once, with
/// heartbeats, a rescuer for jobs of dead workers, retries with back-off, and graceful shutdown
/// (stop claiming, let running jobs finish within `shutdownGrace`, release the rest).
///
/// Run it in a `ServiceGroup` (SIGTERM/SIGINT trigger the graceful shutdown) or call `run()`.
public final class Worker: Service, Sendable {
    let store: any JobStore
    let configuration: WorkerConfiguration
    let logger: Logger
    let executor: JobExecutor
    let running = RunningJobs()
    let wake = WakeSignal()
    let completions: CompletionBatcher
    private let shuttingDown = Locked(false)
    /// The store error that made this worker stop (a database that cannot be written).
    private let fatalError = Locked<StoreError?>(nil)

    public init(store: any JobStore, registry: WorkflowRegistry, configuration: WorkerConfiguration, logger: Logger) {
        self.store = store
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "worker"] = "\(configuration.workerID)"
        self.logger = logger
        self.executor = JobExecutor(store: store, registry: registry, logger: logger)
        self.completions = CompletionBatcher(store: store, maxBatch: configuration.completionBatchSize,
                                             delay: configuration.completionDelay)
    }

    /// Runs until a graceful shutdown (or cancellation, or idleness with `exitWhenIdle`).
    /// - Throws: the `StoreError` that stopped it when the database cannot be written (disk
    ///   full, read-only): no outcome could be recorded, so waiting would wait forever.
    public func run() async throws {
        store.onWork { [wake] in wake.signal() }
        logger.info("worker started", metadata: ["queues": "\(configuration.queues.joined(separator: ","))",
                                                 "concurrency": "\(configuration.concurrency)"])
        let background = Task { await self.backgroundLoops() }
        await withGracefulShutdownHandler {
            await claimLoop()
        } onGracefulShutdown: { [shuttingDown, wake] in
            shuttingDown.withLock { $0 = true }
            wake.signal()
        }
        await drain()
        background.cancel()
        await background.value
        if let failure = fatalError.withLock({ $0 }) {
            logger.error("worker stopped: the database cannot be written", metadata: ["error": "\(failure)"])
            throw failure
        }
        logger.info("worker stopped")
    }

    /// Stops the worker when `error` says the database cannot be written. - Returns: whether it did.
    @discardableResult
    func stopIfUnwritable(_ error: any Error) -> Bool {
        guard let storeError = error as? StoreError, storeError.isUnwritable else { return false }
        let first = fatalError.withLock { current -> Bool in
            defer { if current == nil { current = storeError } }
            return current == nil
        }
        if first { logger.error("the database cannot be written; stopping", metadata: ["error": "\(storeError)"]) }
        shuttingDown.withLock { $0 = true }
        wake.signal()
        return true
    }

    private var isShuttingDown: Bool { shuttingDown.withLock { $0 } || Task.isCancelled }

    private func claimLoop() async {
        var failures = 0
        while !isShuttingDown {
            let busy = running.count
            let free = configuration.concurrency - busy
            // While busy, claim in batches (a quarter of the slots) rather than one job per finished one.
            guard free > 0, busy == 0 || free >= max(1, configuration.concurrency / 4) else {
                await wake.wait(timeout: min(configuration.pollInterval, .milliseconds(50)))
                continue
            }
            let jobs: [ClaimedJob]
            do {
                jobs = try await store.claim(workerID: configuration.workerID, queues: configuration.queues, limit: free)
                failures = 0
            } catch {
                if stopIfUnwritable(error) { return }
                failures += 1
                if failures == 1 || failures % 20 == 0 {
                    logger.warning("claim failed", metadata: ["error": "\(error)"])
                }
                await wake.wait(timeout: min(configuration.pollInterval, .milliseconds(500)))
                continue
            }
            if jobs.isEmpty {
                if configuration.exitWhenIdle, running.count == 0, await isIdle() { return }
                await wake.wait(timeout: configuration.pollInterval)
                continue
            }
            Counter(label: "runner_jobs_claimed_total").increment(by: jobs.count)
            for job in jobs { start(job) }
        }
    }

    private func isIdle() async -> Bool {
        guard let counts = try? await store.counts() else { return false }
        return (counts[.queued] ?? 0) + (counts[.retrying] ?? 0) + (counts[.running] ?? 0) == 0
    }

    private func start(_ job: ClaimedJob) {
        running.add(job.lease)
        let task = Task {
            await self.runJob(job)
            self.running.remove(job.lease)
            self.wake.signal()
        }
        running.attach(task, to: job.lease.jobID)
    }

    /// After shutdown began: wait up to the grace period, then stop and release what is left.
    private func drain() async {
        let deadline = ContinuousClock.now + configuration.shutdownGrace
        while running.count > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            await wake.wait(timeout: .milliseconds(50))
        }
        let left = running.stopAll(reason: .shutdown)
        if !left.isEmpty {
            logger.info("releasing unfinished jobs", metadata: ["count": "\(left.count)"])
        }
        // A cancelled job releases itself when its step notices. One stuck in C work that does
        // not check for cancellation would hold the shutdown indefinitely: after a few seconds
        // its job is released here, and whatever the task writes later is fenced off.
        let stopDeadline = ContinuousClock.now + .seconds(5)
        while running.count > 0, ContinuousClock.now < stopDeadline {
            await wake.wait(timeout: .milliseconds(50))
        }
        for lease in running.leases {
            do {
                try await StoreRetry.run { try await store.releaseJob(lease, reason: "shutdown") }
                Counter(label: "runner_jobs_released_total").increment()
            } catch {
                logger.warning("could not release job", metadata: ["job.id": "\(lease.jobID.uuidString.lowercased())", "error": "\(error)"])
            }
        }
    }

    private func backgroundLoops() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.heartbeatLoop() }
            group.addTask { await self.rescueLoop() }
            if let interval = self.configuration.scheduleTick, let triggers = self.store as? any TriggerStore {
                let ticker = ScheduleTicker(store: triggers, interval: interval, source: "scheduler:\(self.configuration.workerID)", logger: self.logger)
                group.addTask { await ticker.tickLoop() }
            }
        }
    }

    private func heartbeatLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.effectiveHeartbeat)
            let leases = running.leases
            guard !leases.isEmpty else { continue }
            do {
                // The store reports a lease lost only when another party took the job (rescuer,
                // cancel, a new claim), never for a job this worker finished meanwhile; a job no
                // longer running here has nothing left to stop.
                // Compared by token: the lease sent may be of an attempt that failed meanwhile and
                // whose job this worker already runs again under a new lease (that one is not lost).
                for lost in try await store.heartbeat(leases) where running.holds(lost) {
                    logger.warning("lost job", metadata: ["job.id": "\(lost.jobID.uuidString.lowercased())"])
                    running.stop(lost, reason: .leaseLost)
                }
            } catch {
                stopIfUnwritable(error)
                logger.debug("heartbeat failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private func rescueLoop() async {
        let interval = max(configuration.rescueAfter / 2, .milliseconds(100))
        var ticks = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            do {
                let rescued = try await store.rescueStale(olderThan: configuration.rescueAfter,
                                                          source: "rescuer:\(configuration.workerID)")
                if !rescued.isEmpty {
                    Counter(label: "runner_jobs_rescued_total").increment(by: rescued.count)
                    logger.info("rescued jobs", metadata: ["count": "\(rescued.count)"])
                    wake.signal()
                }
                ticks += 1
                if ticks % 4 == 1 {
                    for (status, count) in try await store.counts() {
                        Gauge(label: "runner_queue_depth", dimensions: [("status", status.rawValue)]).record(count)
                    }
                }
            } catch {
                stopIfUnwritable(error)
                logger.debug("rescue failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
