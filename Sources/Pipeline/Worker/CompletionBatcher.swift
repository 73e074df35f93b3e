import Basics
import Foundation

/// Buffered acknowledgements: a worker's job completions wait a few milliseconds (or until
/// `maxBatch` are waiting) and are written together by `JobStore.completeJobs`, one commit for
/// the lot. While one batch is being written the next gathers, so under load the batches grow
/// by themselves and an idle worker adds at most `delay` to a job's completion.
///
/// Each caller waits until its own job is durably succeeded (or learns that it lost the lease),
/// so nothing is acknowledged before its commit. `@unchecked Sendable`: state is behind `state`'s lock.
final class CompletionBatcher: @unchecked Sendable {
    private struct Waiting {
        let completion: JobCompletion
        let continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var waiting: [Waiting] = []
        var flushing = false
    }
    private let state = Locked(State())
    private let store: any JobStore
    private let maxBatch: Int
    private let delay: Duration

    init(store: any JobStore, maxBatch: Int, delay: Duration) {
        self.store = store
        self.maxBatch = max(1, maxBatch)
        self.delay = delay
    }

    /// Completes the job in the next batch.
    /// - Throws: `StoreError` (`isLeaseLost` when the worker no longer held the job; then the
    ///   job was not touched), or the batch's error when its write failed.
    func complete(_ completion: JobCompletion) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startFlusher = state.withLock { state -> Bool in
                state.waiting.append(Waiting(completion: completion, continuation: continuation))
                guard !state.flushing else { return false }
                state.flushing = true
                return true
            }
            if startFlusher { Task { await self.flush() } }
        }
    }

    /// Writes batches until nobody waits. Not tied to any job's task: a job cancelled while it
    /// waits still gets its answer.
    private func flush() async {
        if state.withLock({ $0.waiting.count }) < maxBatch { try? await Task.sleep(for: delay) }
        while true {
            let batch = state.withLock { state -> [Waiting] in
                let batch = Array(state.waiting.prefix(maxBatch))
                state.waiting.removeFirst(batch.count)
                if batch.isEmpty { state.flushing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let lost = try await StoreRetry.run { try await store.completeJobs(batch.map(\.completion)) }
                let lostIDs = Set(lost.map(\.jobID))
                for waiting in batch {
                    let lease = waiting.completion.lease
                    if lostIDs.contains(lease.jobID) {
                        waiting.continuation.resume(throwing: StoreError(
                            .leaseLost, "complete job", "job \(lease.jobID.uuidString.lowercased()) is no longer held by \(lease.workerID)"))
                    } else {
                        waiting.continuation.resume()
                    }
                }
            } catch {
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
