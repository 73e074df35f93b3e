import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// scripts/webhook_receiver.py, started on a loopback port: verifies every delivery with the
/// `standardwebhooks` package from PyPI (in .venv-test, installed by scripts/setup.sh) and
/// records what it got and answered.
final class WebhookReceiver: @unchecked Sendable {
    // Invariant: `process` is set once in init and only read afterwards.
    private let process = Process()
    let base: String

    struct Delivery: @unchecked Sendable {
        let webhookID: String
        let timestamp: String
        let signature: String
        let rawBody: String
        let body: [String: Any]
        /// Indices of the configured secrets the delivery verified with.
        let verifiedWith: [Int]
        let answered: Int

        var type: String? { body["type"] as? String }
        var data: [String: Any] { body["data"] as? [String: Any] ?? [:] }
        var job: [String: Any] { data["job"] as? [String: Any] ?? [:] }
        var eventID: Int? { (data["event"] as? [String: Any])?["id"] as? Int }
    }

    init() async throws {
        let python = repositoryRoot.appendingPathComponent(".venv-test/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("\(python) is missing: run scripts/setup.sh (it installs standardwebhooks into .venv-test)")
            throw CocoaError(.fileNoSuchFile)
        }
        let output = scratchDirectory().appendingPathComponent("receiver.out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repositoryRoot.appendingPathComponent("scripts/webhook_receiver.py").path]
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        var port: Int?
        for _ in 0..<600 where port == nil {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }) {
                port = Int(line.dropFirst("listening ".count))
            } else if !process.isRunning {
                break
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        guard let port else {
            Issue.record("the webhook receiver did not start: \((try? String(contentsOf: output, encoding: .utf8)) ?? "")")
            throw CocoaError(.fileNoSuchFile)
        }
        base = "http://127.0.0.1:\(port)"
    }

    var url: String { base + "/hook" }

    /// Which secrets to verify with (the first decides 401), and how many attempts of each
    /// webhook-id to fail first.
    func configure(secrets: [String], failFirst: Int = 0, failStatus: Int = 500, delayMilliseconds: Int = 0,
                   retryAfter: String? = nil) async throws {
        var request = URLRequest(url: URL(string: base + "/_config")!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: [
            "secrets": secrets, "fail_first": failFirst, "fail_status": failStatus, "delay_ms": delayMilliseconds,
            "retry_after": retryAfter ?? NSNull(),
        ] as [String: Any])
        _ = try await URLSession.shared.data(for: request)
    }

    func log() async throws -> [Delivery] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: base + "/_log")!)
        let entries = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return entries.map { entry in
            let raw = entry["body"] as? String ?? ""
            let body = (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any] ?? [:]
            return Delivery(webhookID: entry["webhook_id"] as? String ?? "", timestamp: entry["timestamp"] as? String ?? "",
                            signature: entry["signature"] as? String ?? "", rawBody: raw, body: body,
                            verifiedWith: entry["verified_with"] as? [Int] ?? [], answered: entry["answered"] as? Int ?? 0)
        }
    }

    /// Polls the log until `done` holds. - Returns: the log then (a failure is recorded after `timeout`).
    func waitFor(timeout: Duration = .seconds(120), _ what: String,
                 _ done: @Sendable ([Delivery]) -> Bool) async throws -> [Delivery] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let entries = try await log()
            if done(entries) { return entries }
            guard ContinuousClock.now < deadline else {
                Issue.record("the receiver did not get \(what) within \(timeout); it got \(entries.count) requests")
                return entries
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Kills the receiver (SIGKILL: a process started from the test process inherits its
    /// ignored SIGTERM, which ServiceLifecycle set; Foundation reaps it, nothing waits here).
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit { stop() }
}
