import Basics
import Foundation

/// Wakes a waiting loop early: `signal()` ends the current (or the next) `wait(timeout:)`.
///
/// `@unchecked Sendable`: all state is guarded by `lock`.
final class WakeSignal: @unchecked Sendable {
    private struct State {
        var pending = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waits whose timeout or cancellation came before they were registered.
        var expired: Set<UInt64> = []
    }
    private let state = Locked(State())

    func signal() {
        let woken = state.withLock { state in
            let woken = state.waiters
            state.waiters.removeAll()
            if woken.isEmpty { state.pending = true }
            return woken
        }
        for continuation in woken.values { continuation.resume() }
    }

    /// Returns at the first signal, after `timeout`, or when the task is cancelled.
    func wait(timeout: Duration) async {
        let id: UInt64? = state.withLock { state in
            if state.pending {
                state.pending = false
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        let timer = Task { [weak self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self?.resume(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.pending || Task.isCancelled || state.expired.remove(id) != nil {
                        state.pending = false
                        return true
                    }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            resume(id)
        }
        timer.cancel()
        state.withLock { _ = $0.expired.remove(id) }
    }

    private func resume(_ id: UInt64) {
        let continuation = state.withLock { state in
            let continuation = state.waiters.removeValue(forKey: id)
            if continuation == nil { state.expired.insert(id) }
            return continuation
        }
        continuation?.resume()
    }
}
