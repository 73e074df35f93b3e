import Foundation

/// A thread of its own for blocking C calls (libpq, libsqlite3), so they never occupy Swift's
/// cooperative pool. Work runs in submission order, one item at a time.
///
/// `@unchecked Sendable`: the work list is only touched under `condition`.
final class DedicatedThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var work: [() -> Void] = []
    private var stopping = false
    private var thread: JoinableThread?

    init(name: String) {
        let thread = JoinableThread { [self] in loop() }
        condition.lock()
        self.thread = thread
        condition.unlock()
    }

    /// Runs `body` on the thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { continuation.resume(with: Result { try body() }) }
        }
    }

    func submit(_ body: @escaping () -> Void) {
        condition.lock()
        work.append(body)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread finish what was submitted, then exit; waits for it to end.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        let thread = self.thread
        self.thread = nil
        condition.unlock()
        thread?.join()
    }

    private func loop() {
        while true {
            condition.lock()
            while work.isEmpty && !stopping { condition.wait() }
            if work.isEmpty && stopping {
                condition.unlock()
                return
            }
            let batch = work
            work.removeAll(keepingCapacity: true)
            condition.unlock()
            for item in batch { item() }
        }
    }
}
