import Foundation

/// A value guarded by a lock, for state shared between Swift tasks and the curl thread.
///
/// `@unchecked Sendable`: every access to `value` goes through `withLock`, which holds `lock`.
package final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) { self.value = value }

    @discardableResult
    package func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
