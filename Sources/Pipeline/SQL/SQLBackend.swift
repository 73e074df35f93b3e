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

/// One result row, columns as text (NULL as nil).
struct Row: Sendable {
    let values: [String?]
    subscript(_ index: Int) -> String? { values[index] }
    func string(_ index: Int) -> String { values[index] ?? "" }
    func int(_ index: Int) -> Int { Int(values[index] ?? "") ?? 0 }
    func int64(_ index: Int) -> Int64 { Int64(values[index] ?? "") ?? 0 }
    func double(_ index: Int) -> Double { Double(values[index] ?? "") ?? 0 }
    func uuid(_ index: Int) -> UUID { UUID(uuidString: values[index] ?? "") ?? UUID() }
    /// A time stored as Unix milliseconds.
    func date(_ index: Int) -> Date? {
        guard let text = values[index], let ms = Double(text) else { return nil }
        return Date(timeIntervalSince1970: ms / 1000)
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
