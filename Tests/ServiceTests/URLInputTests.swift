import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Pipeline
@testable import Providers
@testable import Service

/// `"input": {"url": …}`: the worker downloads the URL as the job's first step (`fetch_url`).
/// The files come from Python's own `http.server` on loopback (a real, independent HTTP server),
/// which the server may reach only because the test allows 127.0.0.1 by name.
@Suite(.serialized) struct URLInputTests {
    @Test func privateAndMetadataAddressesAndOtherSchemesAreRefusedAtOnce() async throws {
        let server = try await TestServer.start(.sqlite)
        let key = try await server.key(tenant: "acme")
        for (url, reason) in [("http://127.0.0.1:9/story.txt", "loopback"), ("http://169.254.169.254/latest/meta-data", "metadata"),
                              ("http://10.0.0.1/a.mp3", "private"), ("file:///etc/passwd", "only http and https"),
                              ("http://user:secret@example.com/a.mp3", "user names and passwords")] {
            let answer = try await server.request("POST", "/v1/jobs", key: key, json: ["workflow": "transcribe", "input": ["url": url]])
            #expect(answer.status == 422, "\(url): \(answer.status) \(answer.text)")
            let detail = try answer.object()["detail"] as? String ?? ""
            #expect(detail.hasPrefix("input.url: ") && detail.contains(reason), "\(url): \(detail)")
        }
        await server.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func aURLIsFetchedFirstAndBadAnswersFailClearly(_ kind: StoreKind) async throws {
        let files = scratchDirectory()
        try FileManager.default.createDirectory(at: files.appendingPathComponent("moved"), withIntermediateDirectories: true)
        try "The lighthouse keeper climbed the stairs every evening. The lamp was lit.".write(
            to: files.appendingPathComponent("story.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("fixtures/uploads/welcome.mp3"),
                                         to: files.appendingPathComponent("welcome.mp3"))
        let web = try PythonHTTPServer(directory: files)
        defer { web.stop() }
        let server = try await TestServer.start(kind) { options in
            options.webhooks.policy = OutboundURLPolicy(allowedHosts: ["127.0.0.1"])
        }
        let key = try await server.key(tenant: "acme")

        func run(_ workflow: String, _ path: String) async throws -> [String: Any] {
            let posted = try await server.request("POST", "/v1/jobs", key: key,
                                                  json: ["workflow": workflow, "input": ["url": web.base + path]])
            #expect(posted.status == 202, "\(path): \(posted.text)")
            return try await server.waitForJob(try #require(try posted.object()["id"] as? String), key: key)
        }

        let narrated = try await run("narrate", "/story.txt")
        #expect(narrated["status"] as? String == "succeeded", "\(narrated["error"] ?? "")")
        let steps = (narrated["steps"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(steps.first == "fetch_url" && steps.contains("extract_text"), "\(steps)")
        #expect((narrated["assets"] as? [[String: Any]] ?? []).contains { $0["kind"] as? String == "audio" })

        let probed = try await run("transcribe", "/welcome.mp3")
        #expect(probed["status"] as? String == "succeeded", "\(probed["error"] ?? "")")
        let total = (probed["progress"] as? [String: Any])?["audio_seconds_total"] as? Double ?? 0
        #expect(total > 1, "the downloaded recording was probed: \(probed["progress"] ?? "")")

        // Each refusal fails the job at once (one attempt), with a code and a message naming the URL.
        for (workflow, path, code, words) in [("transcribe", "/moved", "url_redirect", "redirects are not followed"),
                                              ("transcribe", "/story.txt", "url_content_type", "not audio or video"),
                                              ("narrate", "/missing.txt", "url_status", "answered 404")] {
            let job = try await run(workflow, path)
            #expect(job["status"] as? String == "dead" && job["attempts"] as? Int == 1, "\(path): \(job["status"] ?? "")")
            let error = job["error"] as? [String: Any] ?? [:]
            let message = error["message"] as? String ?? ""
            #expect(error["code"] as? String == code && message.contains(web.base + path) && message.contains(words), "\(path): \(error)")
        }
        await server.stop()
    }
}

/// `python3 -m http.server` on a free loopback port, serving `directory`.
final class PythonHTTPServer: @unchecked Sendable {
    let process = Process()
    let base: String

    init(directory: URL) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", directory.path, "0"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        var text = ""
        while !text.contains("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let port = text.firstMatch(of: /port (\d+)/).map({ String($0.1) }) else {
            process.terminate()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "http.server did not start: \(text)"])
        }
        base = "http://127.0.0.1:\(port)"
    }

    /// SIGKILL, then a short wait (Foundation's `waitUntilExit` was seen to spin forever here).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
    }
}
