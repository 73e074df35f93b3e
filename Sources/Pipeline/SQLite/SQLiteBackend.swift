import Basics
import Foundation

/// SQLite as a job store backend: one connection on one dedicated thread per process. Other
/// processes share the file through WAL; writers take the lock up front (`BEGIN IMMEDIATE`)
/// and wait up to the busy timeout, so claiming is a single-writer transaction.
final class SQLiteBackend: SQLBackend {
    let dialect = Dialect.sqlite
    private let thread: DedicatedThread
    /// Touched only on `thread` (`@unchecked Sendable` box below).
    private let connection: ConnectionBox
    private let handlers = Locked<[@Sendable () -> Void]>([])

    /// `@unchecked Sendable`: the connection inside is used only on the backend's thread.
    final class ConnectionBox: @unchecked Sendable {
        let connection: SQLiteConnection
        init(_ connection: SQLiteConnection) { self.connection = connection }
    }

    private init(thread: DedicatedThread, connection: ConnectionBox) {
        self.thread = thread
        self.connection = connection
    }

    static func open(path: String) async throws -> SQLiteBackend {
        let thread = DedicatedThread(name: "sqlite")
        do {
            let box = try await thread.run { ConnectionBox(try SQLiteConnection(path: path)) }
            return SQLiteBackend(thread: thread, connection: box)
        } catch {
            thread.stop()
            throw error
        }
    }

    func transaction<T: Sendable>(write: Bool, _ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        let box = connection
        return try await thread.run {
            let c = box.connection
            try c.execute(write ? "BEGIN IMMEDIATE" : "BEGIN")
            do {
                let result = try body(c)
                try c.execute("COMMIT")
                return result
            } catch {
                try? c.execute("ROLLBACK")
                throw error
            }
        }
    }

    func single(_ sql: String, _ params: [SQLValue]) async throws -> [Row] {
        let box = connection
        return try await thread.run { try box.connection.query(sql, params) }
    }

    func lockForMigration(_ connection: any SQLConnection) throws {
        // BEGIN IMMEDIATE already holds the database's only write lock.
    }

    func notifyWork(_ connection: any SQLConnection, queue: String) throws {
        // Wake this process's workers after the commit; other processes poll.
        let handlers = self.handlers.withLock { $0 }
        Task { for handler in handlers { handler() } }
    }

    func onWork(_ handler: @escaping @Sendable () -> Void) {
        handlers.withLock { $0.append(handler) }
    }

    /// One process writes a SQLite file at a time, but other processes may too: readers poll.
    func onEvents(_ handler: @escaping @Sendable () -> Void) {}

    func close() async {
        thread.stop()
    }
}
