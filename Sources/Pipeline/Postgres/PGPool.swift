import Basics
import Foundation

/// A connection with its own thread. `@unchecked Sendable`: `connection` is read and written
/// only on `thread`.
final class PGSession: @unchecked Sendable {
    private let url: DatabaseURL
    private let thread: DedicatedThread
    private var connection: PGConnection?

    init(url: DatabaseURL, index: Int) {
        self.url = url
        self.thread = DedicatedThread(name: "libpq-\(index)")
    }

    /// Runs `body` on the session's thread with a live connection, connecting first if needed;
    /// a broken connection is dropped so that the next call reconnects.
    func run<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        try await thread.run { [self] in
            if let existing = connection, !existing.isHealthy { connection = nil }
            let live = try connection ?? PGConnection(url: url)
            connection = live
            do {
                return try body(live)
            } catch let error as StoreError where error.isConnectionLost {
                connection = nil
                throw error
            }
        }
    }

    func close() async {
        _ = try? await thread.run { [self] in connection = nil }
        thread.stop()
    }
}

/// A fixed number of sessions; callers wait (in order) for a free one. This is what bounds the
/// number of blocking libpq calls in flight.
final class PGPool: Sendable {
    private struct State {
        var idle: [PGSession]
        var waiters: [CheckedContinuation<PGSession, Never>] = []
    }
    private let state: Locked<State>
    private let all: [PGSession]

    init(url: DatabaseURL, size: Int) {
        all = (0..<size).map { PGSession(url: url, index: $0) }
        state = Locked(State(idle: all))
    }

    func withSession<T: Sendable>(_ body: (PGSession) async throws -> T) async throws -> T {
        let session = await acquire()
        defer { release(session) }
        return try await body(session)
    }

    private func acquire() async -> PGSession {
        if let session = state.withLock({ $0.idle.popLast() }) { return session }
        return await withCheckedContinuation { continuation in
            let session: PGSession? = state.withLock { state in
                if let session = state.idle.popLast() { return session }
                state.waiters.append(continuation)
                return nil
            }
            if let session { continuation.resume(returning: session) }
        }
    }

    private func release(_ session: PGSession) {
        let waiter: CheckedContinuation<PGSession, Never>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.idle.append(session)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: session)
    }

    func close() async {
        for session in all { await session.close() }
    }
}
