import Foundation

/// A parameter of a query; everything travels as text (libpq text format, sqlite3_bind_text)
/// or as integers.
enum SQLValue: Sendable {
    case text(String)
    case int(Int64)
    case double(Double)
    case null

    static func optional(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
    static func int(_ value: Int) -> SQLValue { .int(Int64(value)) }
    static func uuid(_ value: UUID) -> SQLValue { .text(value.uuidString.lowercased()) }

    var text: String? {
        switch self {
        case .text(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .null: nil
        }
    }
}

/// One result row, columns as text (NULL as nil), read strictly: a NULL where a value is
/// required, a malformed number, id or time, or an unknown status is a `StoreError`, never a
/// default (a fresh UUID or `.queued` would hide a broken row and act on the wrong job).
struct Row: Sendable {
    let values: [String?]
    subscript(_ index: Int) -> String? { values[index] }

    /// - Throws: `StoreError` for NULL.
    func string(_ index: Int) throws -> String {
        guard let value = values[index] else { throw malformed(index, nil, "a value") }
        return value
    }
    func int(_ index: Int) throws -> Int { try parse(index, "an integer") { Int($0) } }
    func int64(_ index: Int) throws -> Int64 { try parse(index, "an integer") { Int64($0) } }
    func double(_ index: Int) throws -> Double { try parse(index, "a number") { Double($0) } }
    func uuid(_ index: Int) throws -> UUID { try parse(index, "a UUID") { UUID(uuidString: $0) } }
    /// One of an enum's raw values (a job or step status).
    func value<T: RawRepresentable>(_ index: Int, as type: T.Type) throws -> T where T.RawValue == String {
        try parse(index, "a \(T.self)") { T(rawValue: $0) }
    }
    /// A time stored as Unix milliseconds; nil for NULL.
    func date(_ index: Int) throws -> Date? {
        guard values[index] != nil else { return nil }
        return Date(timeIntervalSince1970: try parse(index, "a time in milliseconds") { Double($0) } / 1000)
    }

    private func parse<T>(_ index: Int, _ expected: String, _ convert: (String) -> T?) throws -> T {
        guard let text = values[index], let value = convert(text) else { throw malformed(index, values[index], expected) }
        return value
    }

    private func malformed(_ index: Int, _ value: String?, _ expected: String) -> StoreError {
        let shown = value.map { "\"\($0.prefix(60))\"" } ?? "NULL"
        return StoreError(.database, "read row", "column \(index + 1) holds \(shown), not \(expected): the database row is damaged")
    }
}

/// A connection inside a transaction. SQL uses `$1, $2, …` placeholders and the `{now}` token
/// (the database clock in Unix milliseconds); backends translate both.
protocol SQLConnection {
    func query(_ sql: String, _ params: [SQLValue]) throws -> [Row]
}

extension SQLConnection {
    @discardableResult
    func query(_ sql: String, _ params: SQLValue...) throws -> [Row] { try query(sql, params) }
}

/// The SQL differences between PostgreSQL and SQLite that the shared store code needs.
enum Dialect: Sendable {
    case postgres, sqlite
}

/// A database the shared `SQLJobStore` runs on: transactions on dedicated threads.
protocol SQLBackend: Sendable {
    var dialect: Dialect { get }
    /// Runs `body` in one transaction (committed when it returns, rolled back when it throws).
    /// `write` lets SQLite take the write lock up front (`BEGIN IMMEDIATE`).
    func transaction<T: Sendable>(write: Bool, _ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    /// Runs one statement in its own implicit transaction (one round trip on PostgreSQL).
    func single(_ sql: String, _ params: [SQLValue]) async throws -> [Row]
    /// Holds an exclusive lock across processes for the migration transaction.
    func lockForMigration(_ connection: any SQLConnection) throws
    /// After an enqueue or release: wakes workers (PostgreSQL: `pg_notify` in the transaction).
    func notifyWork(_ connection: any SQLConnection, queue: String) throws
    func onWork(_ handler: @escaping @Sendable () -> Void)
    /// Calls `handler` after transactions that wrote events (PostgreSQL); SQLite never calls it.
    func onEvents(_ handler: @escaping @Sendable () -> Void)
    func close() async
}
