import Foundation
import Testing
@testable import Pipeline
@testable import Service
#if canImport(Glibc)
import Glibc
#endif

/// At-least-once across crashes: real `runner worker` processes on the test PostgreSQL, one
/// SIGKILLed while deliveries are in flight.
@Suite(.serialized)
struct WebhookCrashTests {
    /// The built `runner` (next to the test bundle, or $RUNNER_BIN).
    static func runnerExecutable() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["RUNNER_BIN"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("runner")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        Issue.record("the runner executable was not found next to \(CommandLine.arguments[0]); build it with swift build --build-tests")
        throw CocoaError(.fileNoSuchFile)
    }

    /// `runner worker` with short timings, allowed to reach the loopback receiver, with the
    /// webhook retry schedule shrunk a thousandfold; its output goes to `log`.
    static func worker(databaseURL: String, log: URL) throws -> Process {
        let process = Process()
        process.executableURL = try runnerExecutable()
        process.arguments = ["worker", "--concurrency", "4", "--heartbeat", "200ms", "--poll-interval", "100ms", "--rescue-after", "2s"]
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = databaseURL
        environment["WEBHOOK_ALLOW_HOSTS"] = "127.0.0.1"
        environment["WEBHOOK_RETRY_SCALE"] = "0.001"
        process.environment = environment
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Polls until the process ended (SIGKILL after 30 s); Foundation's `waitUntilExit` was
    /// seen to hang in this test process.
    static func waitForExit(_ process: Process) async throws {
        for _ in 0..<300 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    @Test func aWorkerKilledWhileDeliveringLosesNoEventAndDuplicatesKeepTheirWebhookID() async throws {
        let url = try await freshPostgresSchema()
        let store = try await openServiceStore(url: url, poolSize: 2)
        try await store.migrate()
        let receiver = try await WebhookReceiver()
        let secret = WebhookSignature.newSecret()
        let webhook = try await store.createWebhook(NewWebhook(tenant: "acme", url: receiver.url, events: ["job.succeeded"],
                                                               description: "crash test", secret: secret))
        // Slow answers, so that deliveries are in flight when the worker dies.
        try await receiver.configure(secrets: [secret], delayMilliseconds: 300)
        let count = 30
        var jobs = Set<String>()
        for index in 0..<count {
            var request = EnqueueRequest(workflow: "noop", input: try JSON(encoding: ["n": index]))
            request.tenant = "acme"
            jobs.insert(try await store.enqueue(request, source: "test").jobID.uuidString.lowercased())
        }

        let log = scratchDirectory().appendingPathComponent("workers.log")
        let first = try Self.worker(databaseURL: url, log: log)
        _ = try await receiver.waitFor("the first deliveries") { $0.count >= 5 }
        kill(first.processIdentifier, SIGKILL)
        try await Self.waitForExit(first)
        let killedAt = try await receiver.log().count
        #expect(killedAt < count, "the worker was killed before it delivered everything (\(killedAt) requests)")

        let second = try Self.worker(databaseURL: url, log: log)
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
        let delivered = try await receiver.waitFor("every job.succeeded event") { entries in
            Set(entries.filter { $0.answered == 204 }.compactMap { $0.job["id"] as? String }).count == count
        }
        #expect(Set(delivered.filter { $0.answered == 204 }.compactMap { $0.job["id"] as? String }) == jobs)
        #expect(delivered.allSatisfy { $0.verifiedWith == [0] && $0.type == "job.succeeded" })
        // A duplicate (an attempt cut short by the kill, made again) carries the same webhook-id.
        var idsByEvent: [Int: Set<String>] = [:]
        for entry in delivered { idsByEvent[entry.eventID ?? -1, default: []].insert(entry.webhookID) }
        #expect(idsByEvent.count == count && idsByEvent.values.allSatisfy { $0.count == 1 })
        #expect(idsByEvent.allSatisfy { $0.value == ["msg_\($0.key)_\(webhook.id)"] })

        kill(second.processIdentifier, SIGTERM)
        try await Self.waitForExit(second)
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(!output.contains(String(secret.dropFirst(6))), "the secret never appears in the workers' logs")
        await store.close()
        receiver.stop()
    }
}
