import CSQLite
import Foundation

/// One libsqlite3 connection; the only owner of its `sqlite3*` and of its cached statements.
/// Used from one dedicated thread only (see `SQLiteBackend`).
final class SQLiteConnection: SQLConnection {
    private let handle: OpaquePointer
    private let path: String
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens (creating) the file, in WAL mode with a busy timeout so that several processes share it.
    /// - Throws: `StoreError` naming the file, with SQLite's message; the half-opened handle is
    ///   closed once (by `deinit`, which runs when an initialised class's init throws).
    init(path: String) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StoreError(.database, "open \(path)", message)
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, 30_000)
        // Every stored property is set: if a PRAGMA throws, `deinit` finalises the statements
        // and closes the handle. Closing it here too would close it twice.
        do {
            try execute("PRAGMA journal_mode = WAL")
            try execute("PRAGMA synchronous = NORMAL")
            try execute("PRAGMA foreign_keys = ON")
        } catch let error as StoreError {
            throw error.isUnwritable ? error : StoreError(.database, "open \(path)", error.message)
        }
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// The chokepoint that turns a return code into an error with SQLite's own message. A
    /// database that cannot be written (full disk, read-only, I/O error, not a database) is
    /// `unwritable`, named by its file: waiting will not make the write succeed.
    func check(_ rc: Int32, _ operation: String) throws {
        guard rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(handle))
            switch rc & 0xff {
            case SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_CANTOPEN:
                let hint = rc & 0xff == SQLITE_FULL ? " (free some space, or choose another --out or --database-url, then run again)" : ""
                throw StoreError(.unwritable, operation, "the SQLite database \(path) cannot be written: \(message)\(hint)")
            default:
                throw StoreError(.database, operation, message)
            }
        }
    }

    func execute(_ sql: String) throws {
        _ = try query(sql, [])
    }

    func query(_ sql: String, _ params: [SQLValue]) throws -> [Row] {
        let statement = try prepared(Self.translate(sql))
        defer { statement.reset() }
        for (index, value) in params.enumerated() {
            let position = Int32(index + 1)
            let rc: Int32 = switch value {
            case .null: sqlite3_bind_null(statement.handle, position)
            case .int(let i): sqlite3_bind_int64(statement.handle, position, i)
            case .double(let d): sqlite3_bind_double(statement.handle, position, d)
            case .text(let s): sqlite3_bind_text(statement.handle, position, s, -1, csqlite_transient())
            }
            try check(rc, "bind")
        }
        var rows: [Row] = []
        while true {
            let rc = sqlite3_step(statement.handle)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { try check(rc, "step"); break }
            let count = sqlite3_column_count(statement.handle)
            var values: [String?] = []
            values.reserveCapacity(Int(count))
            for column in 0..<count {
                if sqlite3_column_type(statement.handle, column) == SQLITE_NULL {
                    values.append(nil)
                } else if let text = sqlite3_column_text(statement.handle, column) {
                    values.append(String(cString: text))
                } else {
                    values.append("")
                }
            }
            rows.append(Row(values: values))
        }
        return rows
    }

    private func prepared(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] { return cached }
        var stmt: OpaquePointer?
        try check(sqlite3_prepare_v2(handle, sql, -1, &stmt, nil), "prepare")
        guard let stmt else { throw StoreError(.database, "prepare", "empty statement") }
        let statement = SQLiteStatement(handle: stmt)
        statements[sql] = statement
        return statement
    }

    /// `$n` → `?n`, `{now}` → the current time in Unix milliseconds.
    static func translate(_ sql: String) -> String {
        var out = sql.replacingOccurrences(of: "{now}", with: "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)")
        out = out.replacingOccurrences(of: "$", with: "?")
        return out
    }
}

@available(*, unavailable)
extension SQLiteConnection: Sendable {}

/// A prepared statement, finalized when its owner (the connection's cache) lets it go.
final class SQLiteStatement {
    let handle: OpaquePointer
    init(handle: OpaquePointer) { self.handle = handle }
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }
    deinit { sqlite3_finalize(handle) }
}
