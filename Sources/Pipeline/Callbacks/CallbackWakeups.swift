import Basics
import Foundation

/// The waits for provider callbacks in one process: each has its own `WakeSignal` (a signal
/// that comes between a wait's read and its sleep is kept, never lost), and every event
/// notification of the store wakes them all to re-read their row.
final class CallbackWakeups: Sendable {
    private struct State {
        var listening = false
        var waits: [UUID: WakeSignal] = [:]
    }
    private let state = Locked(State())

    /// Registers a wait; `subscribe` is called once per process, with the handler to install.
    func begin(subscribe: (@escaping @Sendable () -> Void) -> Void) -> (id: UUID, signal: WakeSignal) {
        let id = UUID()
        let signal = WakeSignal()
        let first = state.withLock { state in
            state.waits[id] = signal
            defer { state.listening = true }
            return !state.listening
        }
        if first { subscribe { [weak self] in self?.wakeAll() } }
        return (id, signal)
    }

    func end(_ id: UUID) { state.withLock { _ = $0.waits.removeValue(forKey: id) } }

    func wakeAll() {
        for signal in state.withLock({ Array($0.waits.values) }) { signal.signal() }
    }
}
