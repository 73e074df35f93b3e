import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Metrics
import Prometheus
import Testing
@testable import Pipeline
@testable import Service

/// The process's one metrics registry, bootstrapped once as `runner serve` does.
let sharedRegistry: PrometheusCollectorRegistry = {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    return registry
}()

/// The two stores the service runs on.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// `runner serve` in this process, on a random loopback port, with its embedded worker (the
/// real `Worker`, running the real workflows), over a fresh store: a new SQLite file or a new
/// schema in the test PostgreSQL.
struct TestServer: Sendable {
    let base: String
    let databaseURL: String
    let output: String
    let task: Task<Void, any Error>

    /// - Parameter output: the output store (default: a new folder); `s3://BUCKET/PREFIX` uses
    ///   the test S3 server (AWS_ENDPOINT_URL).
    /// - Parameter configure: changes the options before the server starts.
    static func start(_ kind: StoreKind, output: String? = nil, configure: (inout ServeOptions) -> Void = { _ in }) async throws -> TestServer {
        let folder = scratchDirectory()
        let url: String
        switch kind {
        case .sqlite: url = "sqlite:" + folder.appendingPathComponent("state.sqlite").path
        case .postgres: url = try await freshPostgresSchema()
        }
        let output = output ?? folder.appendingPathComponent("out").path
        let endpoint = output.hasPrefix("s3://") ? ProcessInfo.processInfo.environment["AWS_ENDPOINT_URL"] : nil
        var options = ServeOptions(databaseURL: url, output: output, endpoint: endpoint, embeddedWorker: true)
        options.service.port = 0
        options.service.rateLimit = 0
        options.worker.concurrency = 2
        options.worker.pollInterval = .milliseconds(100)
        configure(&options)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "test.serve")
        logger.logLevel = .warning
        let task = Task {
            try await runService(options, registry: sharedRegistry, logger: logger) { port in
                continuation.yield(port)
            }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CocoaError(.fileNoSuchFile) }
        return TestServer(base: "http://127.0.0.1:\(port)", databaseURL: url, output: output, task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    /// A new API key for `tenant`, made as `runner keys create` makes one.
    func key(tenant: String, readOnly: Bool = false) async throws -> String {
        let store = try await openServiceStore(url: databaseURL, poolSize: 1)
        defer { Task { await store.close() } }
        let key = APIKeys.generate()
        _ = try await store.createKey(hash: APIKeys.hash(key), tenant: tenant, readOnly: readOnly, name: nil)
        return key
    }

    func revoke(_ key: String) async throws {
        let store = try await openServiceStore(url: databaseURL, poolSize: 1)
        let id = try #require(try await store.key(hash: APIKeys.hash(key))?.id)
        _ = try await store.revokeKey(id: id)
        await store.close()
    }

    /// One HTTP request through URLSession (a real client over a real socket).
    @discardableResult
    func request(_ method: String, _ path: String, key: String?, json: Any? = nil, body: Data? = nil,
                 headers: [String: String] = [:]) async throws -> HTTPAnswer {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.timeoutInterval = 90  // a loaded 2-core machine; no test here measures time by it
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let body { request.httpBody = body }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return HTTPAnswer(status: http.statusCode, data: data, headers: http.allHeaderFields as? [String: String] ?? [:])
    }

    /// Polls the job until it is final. - Returns: its last view.
    func waitForJob(_ id: String, key: String, timeout: Duration = .seconds(120)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let job = try await request("GET", "/v1/jobs/\(id)", key: key).object()
            if let status = job["status"] as? String, ["succeeded", "dead", "cancelled"].contains(status) { return job }
            guard ContinuousClock.now < deadline else {
                Issue.record("job \(id) not final after \(timeout): \(job["status"] ?? "?")")
                return job
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

struct HTTPAnswer: Sendable {
    let status: Int
    let data: Data
    let headers: [String: String]

    func object() throws -> [String: Any] {
        try #require((try JSONSerialization.jsonObject(with: data)) as? [String: Any], "not a JSON object: \(text)")
    }

    var text: String { String(decoding: data, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

func scratchDirectory() -> URL {
    let root = ProcessInfo.processInfo.environment["TEST_STATE_DIR"].map(URL.init(fileURLWithPath:))
        ?? FileManager.default.temporaryDirectory
    let url = root.appendingPathComponent("service-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A new schema in the test PostgreSQL (DATABASE_URL from scripts/test.sh); missing: the test fails.
func freshPostgresSchema() async throws -> String {
    guard let base = ProcessInfo.processInfo.environment["DATABASE_URL"], base.hasPrefix("postgres") else {
        Issue.record("DATABASE_URL is not set: run the tests through scripts/test.sh, which starts PostgreSQL")
        throw CocoaError(.fileNoSuchFile)
    }
    let schema = "s_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    let admin = try await SQLJobStore.postgres(url: try DatabaseURL(base), poolSize: 1)
    _ = try await admin.backend.single("CREATE SCHEMA \(schema)", [])
    await admin.close()
    return base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
}

/// The repository's root (for fixtures).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
