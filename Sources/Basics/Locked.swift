import Foundation

/// A value behind a lock, shared by reference between tasks and threads (the curl thread, a
/// decode thread, NIO's event loops). The package's one lock type.
///
/// `@unchecked Sendable`: every access to `value` goes through `withLock`, which holds `lock`.
/// Unlike `Mutex`, values that are not `Sendable` (a curl transfer waiting for the engine thread)
/// may be handed in and out, which the `sending` rules of `Mutex.withLock` refuse.
package final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) { self.value = value }

    /// Runs `body` with the value while holding the lock.
    @discardableResult
    package func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
