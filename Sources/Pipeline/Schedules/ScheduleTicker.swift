import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Fires due schedules about once a second. Every `runner worker` and `runner serve` runs one;
/// however many run, a fire time enqueues one job (`TriggerStore.fireDueSchedules`).
public struct ScheduleTicker: Service, Sendable {
    let store: any TriggerStore
    let interval: Duration
    /// Written as the source of the `job.enqueued` events of the jobs it fires.
    let source: String
    let logger: Logger

    public init(store: any TriggerStore, interval: Duration = .seconds(1), source: String, logger: Logger) {
        self.store = store
        self.interval = interval
        self.source = source
        self.logger = logger
    }

    /// Ticks until cancelled or a graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await tickLoop() }
    }

    /// Ticks until the task is cancelled.
    public func tickLoop() async {
        while !Task.isCancelled {
            await tick()
            // Jittered (±25 %), so the processes' ticks drift apart and the firing is spread
            // over them rather than always won by the one whose phase comes first.
            try? await Task.sleep(for: interval * Double.random(in: 0.75...1.25))
        }
    }

    /// Fires what is due now. - Returns: the jobs this call created.
    @discardableResult
    public func tick() async -> Int {
        do {
            let fired = try await store.fireDueSchedules(limit: 50, source: source)
            let created = fired.filter(\.created)
            if !created.isEmpty {
                Counter(label: "runner_schedule_fires_total").increment(by: created.count)
                logger.info("schedules fired", metadata: ["jobs": "\(created.count)"])
            }
            return created.count
        } catch {
            logger.debug("schedule tick failed", metadata: ["error": "\(error)"])
            return 0
        }
    }
}
