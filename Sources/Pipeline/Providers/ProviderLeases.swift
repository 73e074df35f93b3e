import Foundation
import Logging
import Providers

/// Fleet-wide provider slots kept in the job store: every worker sharing one database holds at
/// most `limit` requests in flight per provider, all of them together.
///
/// A slot is a lease with an expiry; this process renews its leases every third of `ttl` while
/// it holds any, so a worker that crashed gives its slots back within `ttl` without anyone
/// cleaning up. Requests that find no free slot wait in a local queue; one poller per provider
/// tries the database for them (every 2–20 ms, sooner after a release here), so a process puts
/// one query at a time on the database however many requests wait, and slots are handed out
/// first come, first served. A released slot goes straight to a request waiting here, without
/// the database, up to `localHandoffs` times in a row; then it goes back to the database so the
/// other workers get their turn.
package actor ProviderLeases: FleetSlots {
    private struct Waiter {
        var id: Int
        var limit: Int
        var continuation: CheckedContinuation<FleetSlot, any Error>
    }

    let store: SQLJobStore
    /// Unique per process (and per instance): leases are renewed and released by holder.
    package nonisolated let holder: String
    package nonisolated let ttl: Duration
    let logger: Logger
    private var held = 0
    private var renewal: Task<Void, Never>?
    private var waiters: [String: [Waiter]] = [:]
    private var polling: Set<String> = []
    private var kicked: Set<String> = []
    private var nextID = 0
    /// Times each held slot passed straight from one local request to the next.
    private var handoffs: [FleetSlot: Int] = [:]
    static let localHandoffs = 8

    static let firstDelay = Duration.milliseconds(2)
    static let longestDelay = Duration.milliseconds(20)

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
        try Task.checkCancellation()
        if waiters[name, default: []].isEmpty, let number = try await store.tryLease(name, limit: limit, holder: holder, ttl: ttl) {
            took()
            return FleetSlot(name: name, number: number)
        }
        nextID += 1
        let id = nextID
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters[name, default: []].append(Waiter(id: id, limit: limit, continuation: continuation))
                startPolling(name)
            }
        } onCancel: {
            Task { await self.cancelWaiter(name, id) }
        }
    }

    package func release(_ slot: FleetSlot) async {
        if handoffs[slot, default: 0] < Self.localHandoffs, var queue = waiters[slot.name], !queue.isEmpty {
            handoffs[slot, default: 0] += 1
            let waiter = queue.removeFirst()
            waiters[slot.name] = queue
            waiter.continuation.resume(returning: slot)  // still leased by this holder, renewed as before
            return
        }
        handoffs[slot] = nil
        held = max(0, held - 1)
        do {
            try await store.releaseLease(slot.name, slot: slot.number, holder: holder)
        } catch {  // the lease expires on its own
            logger.warning("provider lease: release failed", metadata: ["provider": "\(slot.name)", "error": "\(error)"])
        }
        kicked.insert(slot.name)  // a waiter here may take it at once
    }

    /// Leases this process holds now.
    package var heldCount: Int { held }

    private func cancelWaiter(_ name: String, _ id: Int) {
        guard let index = waiters[name]?.firstIndex(where: { $0.id == id }) else { return }
        waiters[name]!.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    private func took() {
        held += 1
        startRenewal()
    }

    private func startPolling(_ name: String) {
        guard polling.insert(name).inserted else { return }
        Task { await self.poll(name) }
    }

    /// Takes slots for the waiters of `name`, first come first served, until none is left.
    private func poll(_ name: String) async {
        var delay = Self.firstDelay
        var failures = 0
        while let first = waiters[name]?.first {
            do {
                if let number = try await store.tryLease(name, limit: first.limit, holder: holder, ttl: ttl) {
                    failures = 0
                    delay = Self.firstDelay
                    if var queue = waiters[name], !queue.isEmpty {
                        let waiter = queue.removeFirst()
                        waiters[name] = queue
                        took()
                        waiter.continuation.resume(returning: FleetSlot(name: name, number: number))
                    } else {  // the waiter was cancelled meanwhile
                        try? await store.releaseLease(name, slot: number, holder: holder)
                    }
                    continue
                }
                failures = 0
            } catch {
                failures += 1
                logger.warning("provider lease: store failed", metadata: ["provider": "\(name)", "error": "\(error)"])
                if failures >= 10 {
                    for waiter in waiters.removeValue(forKey: name) ?? [] { waiter.continuation.resume(throwing: error) }
                    break
                }
            }
            try? await Task.sleep(for: delay * Double.random(in: 0.5...1.5))
            delay = kicked.remove(name) != nil ? Self.firstDelay : min(delay * 2, Self.longestDelay)
        }
        polling.remove(name)
    }

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
