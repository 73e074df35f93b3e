import Basics
import Crypto
import Foundation
import MediaCore
import Testing

@testable import Providers

/// The moto server started by scripts/services/moto.sh, from the variables it exports.
struct MotoServer {
    var endpoint: String
    var bucket: String
    var region: String
    var credentials: AWSCredentials
    /// moto's request log: one werkzeug line per request.
    var log: String

    /// The running server; a missing one fails the test (it never skips).
    static func current() throws -> MotoServer {
        let env = ProcessInfo.processInfo.environment
        guard let endpoint = env["AWS_ENDPOINT_URL"], let bucket = env["S3_TEST_BUCKET"],
            let credentials = AWSCredentials.fromEnvironment(env), let log = env["MOTO_LOG"]
        else {
            throw TestFailure(
                "moto is not running: AWS_ENDPOINT_URL, S3_TEST_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
                    + "MOTO_LOG must be set (scripts/test.sh starts it through scripts/services/moto.sh)")
        }
        return MotoServer(
            endpoint: endpoint, bucket: bucket, region: env["AWS_REGION"] ?? "us-east-1", credentials: credentials,
            log: log)
    }

    func configuration(partSize: Int64 = S3Configuration.minimumPartSize, concurrency: Int = 4) throws -> S3Configuration {
        S3Configuration(
            endpoint: try S3Endpoint(url: endpoint), region: region, credentials: credentials, partSize: partSize,
            concurrency: concurrency, retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(20)))
    }

    /// A store under a fresh prefix, so tests sharing the bucket never see each other's keys.
    func storage(
        partSize: Int64 = S3Configuration.minimumPartSize, concurrency: Int = 4,
        stateStore: any UploadStateStore = NoUploadStateStore()
    ) throws -> S3Storage {
        S3Storage(
            configuration: try configuration(partSize: partSize, concurrency: concurrency), bucket: bucket,
            prefix: "t-\(UUID().uuidString.prefix(8))/", stateStore: stateStore)
    }

    /// Lines of moto's request log written after `offset` bytes.
    func logLines(after offset: Int = 0) -> [String] {
        guard let data = FileManager.default.contents(atPath: log), data.count >= offset else { return [] }
        return String(decoding: data[offset...], as: UTF8.self).split(separator: "\n").map(String.init)
    }

    var logSize: Int { (try? FileManager.default.attributesOfItem(atPath: log)[.size] as? Int) ?? 0 }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The `aws` command, an independent client used to read back what our code stored.
enum AWSCLI {
    struct Head: Equatable {
        var size: Int64
        var contentType: String
        var etag: String
        var metadata: [String: String]
    }

    static func head(bucket: String, key: String) async throws -> Head {
        let out = try await Subprocess.run(["aws", "s3api", "head-object", "--bucket", bucket, "--key", key, "--output", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        return Head(
            size: (json["ContentLength"] as? NSNumber)?.int64Value ?? -1, contentType: json["ContentType"] as? String ?? "",
            etag: json["ETag"] as? String ?? "", metadata: json["Metadata"] as? [String: String] ?? [:])
    }

    /// The additional checksum S3 keeps for the object, as `aws s3api head-object
    /// --checksum-mode ENABLED` shows it: `ChecksumCRC32C` and so on → value.
    static func checksums(bucket: String, key: String) async throws -> [String: String] {
        let out = try await Subprocess.run([
            "aws", "s3api", "head-object", "--bucket", bucket, "--key", key, "--checksum-mode", "ENABLED", "--output", "json",
        ])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        var found: [String: String] = [:]
        for (name, value) in json where name.hasPrefix("Checksum") && name != "ChecksumType" {
            if let text = value as? String { found[name] = text }
        }
        return found
    }

    /// SHA-256 of the object as the aws command downloads it.
    static func sha256(bucket: String, key: String, in directory: URL) async throws -> String {
        let path = directory.appendingPathComponent("readback-\(UUID().uuidString)").path
        _ = try await Subprocess.run(["aws", "s3api", "get-object", "--bucket", bucket, "--key", key, path, "--output", "json"])
        defer { unlink(path) }
        return try await runOnDedicatedThread(name: "test") { try FileDigest.sha256(path: path).hex }
    }

    /// Keys of multipart uploads in progress under `prefix`, as the aws command lists them.
    static func uploadsInProgress(bucket: String, prefix: String) async throws -> [String] {
        let out = try await Subprocess.run([
            "aws", "s3api", "list-multipart-uploads", "--bucket", bucket, "--prefix", prefix, "--output", "json",
        ])
        guard !out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
            let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        else { return [] }
        return (json["Uploads"] as? [[String: Any]] ?? []).compactMap { $0["Key"] as? String }
    }
}

/// Child processes, waited for on a Dispatch thread so the cooperative pool (two threads on a
/// two-core machine) stays free for the other tests running in parallel.
enum Subprocess {
    /// Runs `arguments` (first one looked up in PATH) and returns stdout; a non-zero exit throws
    /// with stderr.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> String {
        try await runOnDedicatedThread(name: "test") { try runBlocking(arguments, environment: environment) }
    }

    static func runBlocking(_ arguments: [String], environment: [String: String]? = nil) throws -> String {
        let result = try runAllowingFailure(arguments, environment: environment)
        guard result.status == 0 else {
            throw TestFailure("\(arguments.prefix(3).joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }

    static func runAllowingFailure(_ arguments: [String], environment: [String: String]? = nil) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}

/// A temporary directory removed when the value is released.
final class TempDirectory {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("storage-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `size` random bytes (from /dev/urandom: cheap for the CPU the parallel tests
    /// share) and returns the path and SHA-256.
    @discardableResult
    func randomFile(_ name: String, size: Int) async throws -> (path: String, sha256: String) {
        let url = url
        return try await runOnDedicatedThread(name: "test") { try Self.writeRandom(url.appendingPathComponent(name), size: size) }
    }

    private static func writeRandom(_ file: URL, size: Int) throws -> (path: String, sha256: String) {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        defer { try? random.close() }
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var hasher = SHA256()
        var remaining = size
        while remaining > 0 {
            let chunk = try random.read(upToCount: min(remaining, 1 << 20)) ?? Data()
            hasher.update(data: chunk)
            try handle.write(contentsOf: chunk)
            remaining -= chunk.count
        }
        return (file.path, hexString(hasher.finalize()))
    }
}

/// An in-memory `UploadStateStore` for tests that inspect what was saved.
actor MemoryUploadStateStore: UploadStateStore {
    var states: [String: MultipartUploadState] = [:]

    func load(uri: String, source: String) -> MultipartUploadState? { states[uri] }
    func save(_ state: MultipartUploadState, source: String) { states[state.uri] = state }
    func remove(uri: String, source: String) { states[uri] = nil }
}
