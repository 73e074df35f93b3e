import Basics
import Foundation

/// PostgreSQL as a job store backend: a small pool of connections, each on its own dedicated
/// thread, reconnected on next use after the server went away; plus one listening connection
/// for `LISTEN/NOTIFY` wake-ups.
final class PostgresBackend: SQLBackend {
    let dialect = Dialect.postgres
    static let channel = "runner_jobs"
    private let url: DatabaseURL
    private let pool: PGPool
    private let listener: Locked<PGListener?> = Locked(nil)
    private let handlers = Locked<[@Sendable () -> Void]>([])
    /// Notified by the `events_notify` trigger (migration 3): live event streams wake on it.
    static let eventsChannel = "runner_events"
    private let eventsListener: Locked<PGListener?> = Locked(nil)
    private let eventHandlers = Locked<[@Sendable () -> Void]>([])

    private init(url: DatabaseURL, pool: PGPool) {
        self.url = url
        self.pool = pool
    }

    /// Opens the pool and checks that the server answers.
    /// - Throws: `StoreError` (`connectionLost`) when it does not.
    static func open(url: DatabaseURL, poolSize: Int) async throws -> PostgresBackend {
        let pool = PGPool(url: url, size: max(1, poolSize))
        let backend = PostgresBackend(url: url, pool: pool)
        do {
            _ = try await backend.single("SELECT 1", [])
        } catch {
            await backend.close()
            throw error
        }
        return backend
    }

    func transaction<T: Sendable>(write: Bool, _ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await pool.withSession { session in
            try await session.run { c in
                try c.command("BEGIN")
                do {
                    let result = try body(c)
                    try c.command("COMMIT")
                    return result
                } catch {
                    if c.isHealthy { try? c.command("ROLLBACK") }
                    throw error
                }
            }
        }
    }

    func single(_ sql: String, _ params: [SQLValue]) async throws -> [Row] {
        try await pool.withSession { session in
            try await session.run { c in try c.query(sql, params) }
        }
    }

    func lockForMigration(_ connection: any SQLConnection) throws {
        // Held until the migration transaction ends; other workers starting now wait here.
        try connection.query("SELECT pg_advisory_xact_lock($1)", .int(0x7275_6E6E_6572))
    }

    func notifyWork(_ connection: any SQLConnection, queue: String) throws {
        // Delivered at commit, so a woken worker finds the job.
        try connection.query("SELECT pg_notify($1, $2)", .text(Self.channel), .text(queue))
    }

    func onWork(_ handler: @escaping @Sendable () -> Void) {
        listen(Self.channel, handler, handlers: handlers, listener: listener)
    }

    func onEvents(_ handler: @escaping @Sendable () -> Void) {
        listen(Self.eventsChannel, handler, handlers: eventHandlers, listener: eventsListener)
    }

    /// Adds `handler` to a channel's handlers; the channel's one listening connection starts
    /// with the first handler.
    private func listen(_ channel: String, _ handler: @escaping @Sendable () -> Void,
                        handlers: Locked<[@Sendable () -> Void]>, listener: Locked<PGListener?>) {
        handlers.withLock { $0.append(handler) }
        let url = self.url
        listener.withLock { listener in
            guard listener == nil else { return }
            listener = PGListener(url: url, channel: channel) {
                for handler in handlers.withLock({ $0 }) { handler() }
            }
        }
    }

    func close() async {
        listener.withLock { $0?.stop(); $0 = nil }
        eventsListener.withLock { $0?.stop(); $0 = nil }
        await pool.close()
    }
}
