import Basics
import Pipeline

/// Enqueues concurrent `POST /v1/jobs` together: the requests that arrive while one transaction
/// commits go into the next, so a burst of N requests costs a few commits (and NOTIFYs, which
/// PostgreSQL serialises at commit) instead of N. A lone request is enqueued at once.
final class EnqueueCoalescer: Sendable {
    private struct Pending {
        let request: EnqueueRequest
        let continuation: CheckedContinuation<EnqueueResult, any Error>
    }

    private let store: any ServiceStore
    private let maxBatch: Int
    private let state = Locked<(pending: [Pending], flushing: Bool)>(([], false))

    init(store: any ServiceStore, maxBatch: Int = 256) {
        self.store = store
        self.maxBatch = maxBatch
    }

    /// Enqueues `request` with the others waiting. - Throws: its own `StoreError` (a conflict),
    /// or the batch's error when the transaction failed.
    func enqueue(_ request: EnqueueRequest) async throws -> EnqueueResult {
        try await withCheckedThrowingContinuation { continuation in
            let startsFlush = state.withLock { state -> Bool in
                state.pending.append(Pending(request: request, continuation: continuation))
                guard !state.flushing else { return false }
                state.flushing = true
                return true
            }
            if startsFlush { Task { await self.flush() } }
        }
    }

    /// Commits batches until nobody waits.
    private func flush() async {
        while true {
            let batch = state.withLock { state -> [Pending] in
                let taken = Array(state.pending.prefix(maxBatch))
                state.pending.removeFirst(taken.count)
                if taken.isEmpty { state.flushing = false }
                return taken
            }
            guard !batch.isEmpty else { return }
            do {
                let results = try await store.enqueue(each: batch.map(\.request), source: "api")
                for (pending, result) in zip(batch, results) { pending.continuation.resume(with: result.mapError { $0 }) }
            } catch {
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
        }
    }
}
