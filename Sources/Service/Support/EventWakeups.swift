import Foundation
import Synchronization

/// Wakes live event streams when the store says events were written (PostgreSQL's
/// `LISTEN/NOTIFY`); streams also re-read on a timeout, which is all SQLite gets.
final class EventWakeups: Sendable {
    private enum Waiter {
        case waiting(CheckedContinuation<Void, Never>)
        case cancelled
    }
    private struct State {
        var closed = false
        var generation: UInt64 = 0
        var waiters: [UUID: Waiter] = [:]
    }
    private let state = Mutex(State())

    /// Increases with every wake-up; a stream reads it before it queries the store.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Whether the server is shutting down: streams end (cleanly) at their next wake-up.
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Ends every live stream: called on graceful shutdown, so that open streams do not hold
    /// the server up.
    func close() {
        state.withLock { $0.closed = true }
        wake()
    }

    func wake() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation &+= 1
            let waiting = state.waiters.values.compactMap { if case .waiting(let c) = $0 { c } else { nil } }
            state.waiters.removeAll()
            return waiting
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns at the first wake-up after `seen`, after `timeout`, or when the task is cancelled.
    func wait(after seen: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.woken(after: seen) }
            await group.next()
            group.cancelAll()
        }
    }

    private func woken(after seen: UInt64) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.generation != seen { return true }
                    if case .cancelled = state.waiters[id] {
                        state.waiters[id] = nil
                        return true
                    }
                    state.waiters[id] = .waiting(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if case .waiting(let continuation) = state.waiters[id] {
                    state.waiters[id] = nil
                    return continuation
                }
                state.waiters[id] = .cancelled
                return nil
            }
            waiting?.resume()
        }
    }
}
