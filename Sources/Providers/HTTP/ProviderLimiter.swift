/// Bounds how hard one provider is driven: at most `maxConcurrent` requests in flight and, if
/// set, a token bucket of `requestsPerSecond` with `burst` capacity.
///
/// Waiters are served first come, first served; a cancelled waiter leaves the queue. With a
/// `fleet` limit, each request also holds one of the fleet's slots (a lease shared by every
/// process of the fleet) while it is in flight.
package actor ProviderLimiter {
    package struct Limits: Sendable {
        package var maxConcurrent: Int
        package var requestsPerSecond: Double?
        package var burst: Int
        /// A limit shared with other processes (providers limit per account, not per machine).
        package var fleet: FleetLimit?

        package init(maxConcurrent: Int = 8, requestsPerSecond: Double? = nil, burst: Int = 1, fleet: FleetLimit? = nil) {
            self.maxConcurrent = max(1, maxConcurrent)
            self.requestsPerSecond = requestsPerSecond
            self.burst = max(1, burst)
            self.fleet = fleet
        }
    }

    package let limits: Limits
    private var inFlight = 0
    private var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID = 0
    private var tokens: Double
    private var lastRefill = ContinuousClock.now

    package init(_ limits: Limits = Limits()) {
        self.limits = limits
        tokens = Double(limits.burst)
    }

    /// Runs `body` inside one concurrency slot, after taking one rate token.
    package func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        try await takeToken()
        guard let fleet = limits.fleet else { return try await body() }
        let slot = try await fleet.slots.acquire(fleet.name, limit: fleet.limit)
        do {
            let result = try await body()
            await fleet.slots.release(slot)
            return result
        } catch {
            await fleet.slots.release(slot)
            throw error
        }
    }

    private func acquire() async throws {
        try Task.checkCancellation()
        if inFlight < limits.maxConcurrent {
            inFlight += 1
            return
        }
        nextID += 1
        let id = nextID
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    private func release() {
        if waiters.isEmpty {
            inFlight -= 1
        } else {
            waiters.removeFirst().continuation.resume()  // the slot passes straight to the next waiter
        }
    }

    /// Reserves a token now and sleeps off any debt, so concurrent callers are spaced evenly.
    private func takeToken() async throws {
        guard let rate = limits.requestsPerSecond, rate > 0 else { return }
        let now = ContinuousClock.now
        tokens = min(Double(limits.burst), tokens + (now - lastRefill) / .seconds(1) * rate)
        lastRefill = now
        tokens -= 1
        if tokens < 0 {
            try await Task.sleep(for: .seconds(-tokens / rate))
        }
    }
}
