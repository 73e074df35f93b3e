import Foundation
import MediaCore
import Testing

@testable import Providers

/// Faults moto does not produce, from the small fake in `FakeS3/fake_s3.py`: 503 SlowDown,
/// a connection dropped in the middle of a part, and `<Error>` in a 200 Complete answer.
struct S3StorageFaultTests {
    @Test func slowDownIsRetried() async throws {
        let fake = try await FakeS3Server.start()
        try await fake.inject([["op": "PutObject", "kind": "slowdown", "times": 2]])
        let storage = try fake.storage()

        let result = try await storage.put(bytes: Data("hello".utf8), key: "a.txt")

        #expect(result.outcome == .uploaded)
        let puts = try await fake.log().filter { $0.op == "PutObject" }
        #expect(puts.map(\.status) == ["503", "503", "200"])
        #expect(try await storage.head(key: "a.txt")?.sha256 == FileDigest.sha256(Data("hello".utf8)))
    }

    @Test func droppedConnectionMidPartRetriesOnlyThatPart() async throws {
        let fake = try await FakeS3Server.start()
        try await fake.inject([["op": "UploadPart", "part": 2, "kind": "drop", "times": 1]])
        let storage = try fake.storage(partSize: 64 << 10)
        let dir = try TempDirectory()
        let file = try await dir.randomFile("x.bin", size: 3 * (64 << 10) + 100)

        let result = try await storage.put(file: file.path, key: "x.bin")

        #expect(result.partsSent == 4)
        let parts = try await fake.log().filter { $0.op == "UploadPart" }
        #expect(parts.filter { $0.part == 2 }.map(\.status) == ["dropped", "200"])
        for number in [1, 3, 4] { #expect(parts.filter { $0.part == number }.count == 1) }
        #expect(try await storage.head(key: "x.bin")?.sha256 == file.sha256)
        let copy = dir.url.appendingPathComponent("copy").path
        try await storage.get(key: "x.bin", to: copy)
        #expect(try FileDigest.sha256(path: copy).hex == file.sha256)
    }

    @Test func errorInside200CompleteIsRetriedWhenTransient() async throws {
        let fake = try await FakeS3Server.start()
        try await fake.inject([["op": "Complete", "kind": "error200", "code": "InternalError", "times": 1]])
        let storage = try fake.storage(partSize: 64 << 10)
        let dir = try TempDirectory()
        let file = try await dir.randomFile("y.bin", size: 2 * (64 << 10) + 1)

        let result = try await storage.put(file: file.path, key: "y.bin")

        #expect(result.outcome == .uploaded)
        #expect(try await fake.log().filter { $0.op == "Complete" }.count == 2)
        #expect(try await storage.head(key: "y.bin")?.size == Int64(2 * (64 << 10) + 1))
    }

    @Test func errorInside200CompleteAbortsTheUpload() async throws {
        let fake = try await FakeS3Server.start()
        try await fake.inject([["op": "Complete", "kind": "error200", "code": "InvalidPart", "times": 5]])
        let states = MemoryUploadStateStore()
        let storage = try fake.storage(partSize: 64 << 10, stateStore: states)
        let dir = try TempDirectory()
        let file = try await dir.randomFile("z.bin", size: 2 * (64 << 10) + 1)

        let error = try await #require(throws: ProviderError.self) {
            _ = try await storage.put(file: file.path, key: "z.bin")
        }

        #expect(error.status == 200)
        #expect(error.code == "InvalidPart")
        let log = try await fake.log()
        #expect(log.filter { $0.op == "Complete" }.count == 1)
        #expect(log.filter { $0.op == "AbortMultipartUpload" }.count == 1)
        #expect(try await storage.head(key: "z.bin") == nil)
        #expect(await states.states.isEmpty)
    }

    /// A server or proxy that echoes `AWS_SESSION_TOKEN` in `x-amz-request-id` and in its
    /// message must not get it printed.
    @Test func echoedSessionTokenIsScrubbed() async throws {
        let fake = try await FakeS3Server.start()
        try await fake.inject([["op": "PutObject", "kind": "echo", "times": 1]])
        let token = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789"
        let storage = try fake.storage(sessionToken: token)

        let error = try await #require(throws: ProviderError.self) {
            _ = try await storage.put(bytes: Data("hello".utf8), key: "a.txt")
        }

        #expect(error.status == 403)
        #expect(error.code == "AccessDenied")
        #expect(error.requestID == "[redacted]")
        for text in ["\(error)", String(reflecting: error)] {
            #expect(!text.contains(token), "leaks the session token: \(text)")
        }
    }

    @Test func slowDownOnEveryAttemptKeepsTheUploadForResume() async throws {
        let fake = try await FakeS3Server.start()
        try await fake.inject([["op": "UploadPart", "part": 2, "kind": "slowdown", "times": 100]])
        let states = MemoryUploadStateStore()
        let storage = try fake.storage(partSize: 64 << 10, stateStore: states)
        let dir = try TempDirectory()
        let file = try await dir.randomFile("w.bin", size: 2 * (64 << 10) + 1)

        let error = try await #require(throws: ProviderError.self) {
            _ = try await storage.put(file: file.path, key: "w.bin")
        }

        #expect(error.status == 503)
        #expect(error.code == "SlowDown")
        #expect(try await fake.log().filter { $0.op == "AbortMultipartUpload" }.isEmpty)
        let saved = try #require(await states.states.values.first)
        #expect(saved.parts.keys.contains(1))
        #expect(!saved.parts.keys.contains(2))
    }
}

/// `fake_s3.py` on a free loopback port, stopped when the value is released.
///
/// `@unchecked Sendable`: every stored property is set in `init` and never changed.
final class FakeS3Server: @unchecked Sendable {
    struct Entry: Decodable {
        var op: String?
        var part: Int?
        var statusValue: StatusValue
        var status: String { statusValue.text }

        enum CodingKeys: String, CodingKey { case op, part, statusValue = "status" }

        struct StatusValue: Decodable {
            var text: String
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Int.self) {
                    text = String(number)
                } else {
                    text = try container.decode(String.self)
                }
            }
        }
    }

    let process = Process()
    let port: Int

    /// Starts the fake; the wait for its port happens on a Dispatch thread.
    static func start() async throws -> FakeS3Server { try await runOnDedicatedThread(name: "test") { try FakeS3Server() } }

    private init() throws {
        let script = try #require(Bundle.module.url(forResource: "fake_s3", withExtension: "py", subdirectory: "FakeS3"))
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { throw TestFailure("fake_s3.py exited before printing its port") }
            line.append(chunk)
        }
        port = try #require(Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    deinit {
        // SIGKILL: a test runner may start children with SIGTERM ignored.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func storage(
        partSize: Int64 = 8 << 20, stateStore: any UploadStateStore = NoUploadStateStore(), sessionToken: String? = nil
    ) throws -> S3Storage {
        let config = S3Configuration(
            endpoint: try S3Endpoint(url: "http://127.0.0.1:\(port)"), region: "us-east-1",
            credentials: AWSCredentials(
                accessKeyID: "AKIDFAKE", secretAccessKey: "fake-secret-0123456789", sessionToken: sessionToken),
            partSize: partSize, concurrency: 2, retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10)))
        return S3Storage(configuration: config, bucket: "bucket", stateStore: stateStore)
    }

    func inject(_ faults: [[String: Any]]) async throws {
        try await Subprocess.run([
            "curl", "-sf", "-X", "POST", "--data-binary",
            String(decoding: try JSONSerialization.data(withJSONObject: faults), as: UTF8.self),
            "http://127.0.0.1:\(port)/_faults",
        ])
    }

    func log() async throws -> [Entry] {
        let body = try await Subprocess.run(["curl", "-sf", "http://127.0.0.1:\(port)/_log"])
        return try JSONDecoder().decode([Entry].self, from: Data(body.utf8)).filter { $0.op?.hasPrefix("_") == false }
    }
}
