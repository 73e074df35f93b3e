import Foundation

/// How a worker runs. Every limit is bounded; the defaults match `runner worker`.
public struct WorkerConfiguration: Sendable {
    /// Jobs this worker runs at once.
    public var concurrency: Int = 4
    /// Queues it claims from.
    public var queues: [String] = ["default"]
    /// A running job whose heartbeat is older than this goes back to the queue.
    public var rescueAfter: Duration = .seconds(30)
    /// How often heartbeats are written (default: a fifth of `rescueAfter`).
    public var heartbeatInterval: Duration?
    /// On graceful shutdown, how long running jobs may take before they are released.
    public var shutdownGrace: Duration = .seconds(30)
    /// How often an idle worker looks for work when no notification arrives.
    public var pollInterval: Duration = .seconds(1)
    /// The first retry delay; doubled per attempt, with jitter (×0.5…1.5), at most an hour.
    public var retryBaseDelay: Duration = .seconds(1)
    /// Stop when nothing is queued, retrying or running in the worker's queues (embedded runs).
    public var exitWhenIdle = false
    /// Completions of jobs without steps are written together: at most this many per commit…
    public var completionBatchSize = 500
    /// …after waiting at most this long for others to join (an idle worker's added latency).
    public var completionDelay: Duration = .milliseconds(2)
    /// Written into `locked_by` and every event's source.
    public var workerID: String = WorkerConfiguration.makeWorkerID()
    /// How often the worker fires due schedules (nil: never; `ScheduleTicker`).
    public var scheduleTick: Duration? = .seconds(1)

    public init() {}

    var effectiveHeartbeat: Duration {
        heartbeatInterval ?? max(rescueAfter / 5, .milliseconds(50))
    }

    /// `host-pid-random`, unique per process.
    public static func makeWorkerID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }

    /// The delay before retry number `attempt` (1-based), with jitter.
    func retryDelay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let base = retryBaseDelay * (1 << exponent)
        let capped = min(base, .seconds(3600))
        return capped * Double.random(in: 0.5..<1.5)
    }
}
