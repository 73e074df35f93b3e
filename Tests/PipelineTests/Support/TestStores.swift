import Foundation
import Testing
@testable import Pipeline

/// The two stores every conformance test runs against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A fresh, migrated store for one test: a new SQLite file, or a new schema in the test
/// PostgreSQL (DATABASE_URL, started by scripts/services/postgres.sh).
struct TestStore: Sendable {
    let store: any JobStore
    /// The URL other processes (`runner worker`) use to reach the same store.
    let url: String

    static func make(_ kind: StoreKind, poolSize: Int = 4) async throws -> TestStore {
        let url: String
        switch kind {
        case .sqlite:
            url = "sqlite:" + TestEnvironment.scratchDirectory().appendingPathComponent("store.sqlite").path
        case .postgres:
            url = try await TestEnvironment.freshPostgresSchema()
        }
        let store = try await openJobStore(url: url, poolSize: poolSize)
        try await store.migrate()
        return TestStore(store: store, url: url)
    }

    /// Runs SQL against the store directly (counting rows the way a user would with psql).
    @discardableResult
    func rows(_ sql: String, _ params: [SQLValue] = []) async throws -> [Row] {
        let sqlStore = try #require(store as? SQLJobStore)
        return try await sqlStore.backend.single(sql, params)
    }
}

enum TestEnvironment {
    /// DATABASE_URL of the test server. Missing: the test fails, loudly (CI=true or not).
    static func databaseURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else {
            let ci = ProcessInfo.processInfo.environment["CI"] == "true"
            Issue.record("DATABASE_URL is not set\(ci ? " in CI" : ""): run the tests through scripts/test.sh, which starts PostgreSQL")
            throw StoreError.invalidInput("DATABASE_URL missing")
        }
        return url
    }

    /// A new schema in the test database; the returned URL selects it through `search_path`.
    static func freshPostgresSchema() async throws -> String {
        let base = try databaseURL()
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let admin = try await SQLJobStore.postgres(url: try DatabaseURL(base), poolSize: 1)
        _ = try await admin.backend.single("CREATE SCHEMA \(schema)", [])
        await admin.close()
        return base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
    }

    static func scratchDirectory() -> URL {
        let root = ProcessInfo.processInfo.environment["TEST_STATE_DIR"].map(URL.init(fileURLWithPath:))
            ?? FileManager.default.temporaryDirectory
        let url = root.appendingPathComponent("pipeline-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Polls `condition` until it holds or `timeout` passes. - Returns: whether it held.
func eventually(timeout: Duration, every: Duration = .milliseconds(50),
                _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: every)
    }
    return try await condition()
}

extension JobStore {
    func enqueue(_ workflow: String, _ input: String, queue: String = "default", priority: Int = 0,
                 maxAttempts: Int = 3, runAt: Date? = nil) async throws -> UUID {
        try await enqueue(EnqueueRequest(workflow: workflow, input: try JSON(text: input), queue: queue,
                                         priority: priority, maxAttempts: maxAttempts, runAt: runAt),
                          source: "test").jobID
    }

    func eventTypes(_ id: UUID) async throws -> [String] { try await events(of: id).map(\.type) }
}
