import CLibPQ
import Foundation

/// One libpq connection; the only owner of its `PGconn*`. Used from one dedicated thread only.
/// Every query is parameterised (`PQprepare` once per SQL text, then `PQexecPrepared`).
final class PGConnection: SQLConnection {
    private let handle: OpaquePointer
    private var prepared: [String: String] = [:]

    /// Connects with a timeout; the password stays inside libpq (messages never carry the URL).
    /// - Throws: `StoreError` (`connectionLost`) with libpq's message.
    init(url: DatabaseURL) throws {
        let keywords = ["dbname", "connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                        "application_name"]
        let values = [url.raw, "5", "10", "5", "3", "runner"]
        let cKeywords = keywords.map { strdup($0) }
        let cValues = values.map { strdup($0) }
        defer {
            cKeywords.forEach { free($0) }
            cValues.forEach { free($0) }
        }
        let keywordPointers = cKeywords.map { UnsafePointer($0) } + [nil]
        let valuePointers = cValues.map { UnsafePointer($0) } + [nil]
        let conn: OpaquePointer? = keywordPointers.withUnsafeBufferPointer { k in
            valuePointers.withUnsafeBufferPointer { v in PQconnectdbParams(k.baseAddress, v.baseAddress, 1) }
        }
        guard let conn else { throw StoreError(.connectionLost, "connect", "out of memory") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.clean(String(cString: PQerrorMessage(conn)))
            PQfinish(conn)
            throw StoreError(.connectionLost, "connect", DatabaseURL.redact(message))
        }
        handle = conn
        // Server notices ("relation already exists, skipping") are not ours to print.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        // Every statement gets a time limit (a lock wait included); set here rather than in the
        // URL so a user's own `options` stay as they are.
        try command("SET statement_timeout = '60s'")
    }

    deinit { PQfinish(handle) }

    var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }
    var socket: Int32 { PQsocket(handle) }

    /// Runs a statement that has no parameters and no prepared form (BEGIN, COMMIT, LISTEN).
    func command(_ sql: String) throws {
        let result = PGResult(PQexec(handle, sql))
        try check(result, "execute")
    }

    func query(_ sql: String, _ params: [SQLValue]) throws -> [Row] {
        let cValues = params.map { $0.text.map { strdup($0) } ?? nil }
        defer { cValues.forEach { free($0) } }
        let pointers = cValues.map { $0.map { UnsafePointer($0) } }
        let name = try statementName(sql, count: params.count)
        let raw: OpaquePointer? = pointers.withUnsafeBufferPointer { values in
            if let name {
                PQexecPrepared(handle, name, Int32(params.count), values.baseAddress, nil, nil, 0)
            } else {
                PQexecParams(handle, Self.translate(sql), 0, nil, nil, nil, nil, 0)
            }
        }
        let result = PGResult(raw)
        try check(result, "query")
        return result.rows()
    }

    /// The prepared statement for `sql` (prepared on first use), or nil for a utility statement
    /// (DDL), which cannot always be prepared and runs unnamed, without parameters.
    private func statementName(_ sql: String, count: Int) throws -> String? {
        if let name = prepared[sql] { return name }
        let isUtility = count == 0 && !["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"].contains {
            sql.uppercased().hasPrefix($0)
        }
        if isUtility { return nil }
        let name = "runner_\(prepared.count + 1)"
        let result = PGResult(PQprepare(handle, name, Self.translate(sql), Int32(count), nil))
        try check(result, "prepare")
        prepared[sql] = name
        return name
    }

    /// The chokepoint: a failed result becomes a `StoreError` with the server's message; a broken
    /// connection becomes `connectionLost` so the pool reconnects.
    func check(_ result: borrowing PGResult, _ operation: String) throws {
        let status = result.status
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK { return }
        var message = result.errorMessage
        if message.isEmpty { message = String(cString: PQerrorMessage(handle)) }
        message = DatabaseURL.redact(Self.clean(message))
        if !isHealthy || status == PGRES_FATAL_ERROR && result.sqlState.hasPrefix("08") || result.isMissing {
            throw StoreError(.connectionLost, operation, message.isEmpty ? "connection lost" : message)
        }
        throw StoreError(.database, operation, message + (result.sqlState.isEmpty ? "" : " (SQLSTATE \(result.sqlState))"))
    }

    /// Drains pending notifications. - Returns: how many arrived.
    func drainNotifications() -> Int {
        guard PQconsumeInput(handle) == 1 else { return -1 }
        var count = 0
        while let notify = PQnotifies(handle) {
            PQfreemem(notify)
            count += 1
        }
        return count
    }

    /// `{now}` → the transaction's time in Unix milliseconds.
    static func translate(_ sql: String) -> String {
        sql.replacingOccurrences(of: "{now}", with: "(extract(epoch from now()) * 1000)::bigint")
    }

    static func clean(_ message: String) -> String {
        message.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ")
    }
}

@available(*, unavailable)
extension PGConnection: Sendable {}

/// A `PGresult*` with exactly one owner: cleared when the value goes away.
struct PGResult: ~Copyable {
    private let handle: OpaquePointer?

    init(_ handle: OpaquePointer?) { self.handle = handle }
    deinit { if let handle { PQclear(handle) } }

    var isMissing: Bool { handle == nil }
    var status: ExecStatusType { handle.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR }
    var errorMessage: String { handle.map { String(cString: PQresultErrorMessage($0)) } ?? "" }
    var sqlState: String {
        guard let handle, let field = PQresultErrorField(handle, Int32(UInt8(ascii: "C"))) else { return "" }
        return String(cString: field)
    }

    func rows() -> [Row] {
        guard let handle else { return [] }
        let rowCount = PQntuples(handle)
        let columnCount = PQnfields(handle)
        var rows: [Row] = []
        rows.reserveCapacity(Int(rowCount))
        for r in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for c in 0..<columnCount {
                values.append(PQgetisnull(handle, r, c) == 1 ? nil : String(cString: PQgetvalue(handle, r, c)))
            }
            rows.append(Row(values: values))
        }
        return rows
    }
}
