import Foundation
import Logging
import Providers

/// Fleet-wide provider slots kept in the job store: every worker sharing one database holds at
/// most `limit` requests in flight per provider, all of them together.
///
/// A slot is a lease with an expiry; this process renews its leases every third of `ttl` while
/// it holds any, so a worker that crashed gives its slots back within `ttl` without anyone
/// cleaning up. A waiting request polls with a short, growing, jittered delay (5–50 ms).
package actor ProviderLeases: FleetSlots {
    let store: SQLJobStore
    /// Unique per process (and per instance): leases are renewed and released by holder.
    package nonisolated let holder: String
    package nonisolated let ttl: Duration
    let logger: Logger
    private var held = 0
    private var renewal: Task<Void, Never>?

    /// nil when `store` is not one of the SQL stores.
    package init?(store: any JobStore, ttl: Duration = .seconds(30), holder: String = WorkerConfiguration.makeWorkerID(),
                  logger: Logger) {
        guard let store = store as? SQLJobStore else { return nil }
        self.store = store
        self.ttl = max(ttl, .milliseconds(300))
        self.holder = holder
        self.logger = logger
    }

    /// - Throws: `CancellationError`; `StoreError` after the database failed ten times running.
    package func acquire(_ name: String, limit: Int) async throws -> FleetSlot {
        var delay = Duration.milliseconds(5)
        var failures = 0
        while true {
            try Task.checkCancellation()
            do {
                if let slot = try await store.tryLease(name, limit: limit, holder: holder, ttl: ttl) {
                    held += 1
                    startRenewal()
                    return FleetSlot(name: name, number: slot)
                }
                failures = 0
            } catch {
                failures += 1
                if failures >= 10 { throw error }
                logger.warning("provider lease: store failed", metadata: ["provider": "\(name)", "error": "\(error)"])
            }
            try await Task.sleep(for: delay * Double.random(in: 0.5...1.5))
            delay = min(delay * 2, .milliseconds(50))
        }
    }

    package func release(_ slot: FleetSlot) async {
        held = max(0, held - 1)
        do {
            try await store.releaseLease(slot.name, slot: slot.number, holder: holder)
        } catch {  // the lease expires on its own
            logger.warning("provider lease: release failed", metadata: ["provider": "\(slot.name)", "error": "\(error)"])
        }
    }

    /// Leases this process holds now.
    package var heldCount: Int { held }

    private func startRenewal() {
        guard renewal == nil else { return }
        let interval = ttl / 3
        renewal = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, await self.renewOnce() else { return }
            }
        }
    }

    /// Renews this holder's leases. - Returns: false (and ends the loop) when none are held.
    private func renewOnce() async -> Bool {
        guard held > 0 else {
            renewal = nil
            return false
        }
        do {
            try await store.renewLeases(holder: holder, ttl: ttl)
        } catch {
            logger.warning("provider lease: renewal failed", metadata: ["error": "\(error)"])
        }
        return true
    }
}
