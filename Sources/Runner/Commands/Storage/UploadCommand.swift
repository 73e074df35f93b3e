import ArgumentParser
import Foundation
import Logging
import Providers

/// `runner upload PATH... --to s3://BUCKET/PREFIX | DIR`: files and directory trees into an
/// S3-compatible bucket or a local folder, large files in resumable parallel parts.
struct UploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload files and directories to s3://BUCKET/PREFIX or a local directory.",
        discussion: """
            Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; the \
            endpoint from --endpoint or AWS_ENDPOINT_URL; the region from --region, AWS_REGION or \
            us-east-1. An object whose key already holds the same SHA-256 is skipped. An interrupted \
            multipart upload continues from .NAME.upload.json beside the file on the next run.
            """)

    @Argument(help: "Files or directories (directories are uploaded recursively).") var paths: [String]
    @Option(help: "s3://BUCKET/PREFIX or a local directory.") var to: String
    @Option(help: "S3 endpoint URL (MinIO, Ceph, R2, moto…).") var endpoint: String?
    @Option(help: "Region for the signature scope.") var region: String?
    @Flag(help: "Address the bucket by path, not by virtual host (the default for custom endpoints).")
    var pathStyle = false
    @Option(help: "Multipart part size, e.g. 8MiB, 16MB, 5242880 (at least 5MiB).") var partSize: String = "8MiB"
    @Option(help: "Requests (files or parts) in flight at once.") var concurrency: Int = 8
    @Flag(help: "Print one JSON object per file instead of text.") var json = false
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one file or directory") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard let size = ByteSize.parse(partSize) else { throw ValidationError("--part-size: cannot read \(partSize)") }
        guard size >= S3Configuration.minimumPartSize else { throw ValidationError("--part-size must be at least 5MiB") }
    }

    func run() async throws {
        let logger = global.makeLogger("runner.upload")
        let storage: any ObjectStorage
        let prefix: String
        if let location = try S3Location(parsing: to) {
            var config = try S3Configuration.fromEnvironment(endpoint: endpoint, region: region, pathStyle: pathStyle)
            config.partSize = ByteSize.parse(partSize)!
            config.concurrency = concurrency
            storage = S3Storage(
                configuration: config, bucket: location.bucket, stateStore: SidecarUploadStateStore(), logger: logger)
            prefix = location.prefix
        } else {
            storage = try LocalStorage(root: to)
            prefix = ""
        }
        let items = try UploadBatch.items(for: paths, prefix: prefix)
        let json = json
        let outcomes = await UploadBatch.run(items, to: storage, concurrency: concurrency) { outcome in
            print(json ? Self.jsonLine(outcome) : Self.textLine(outcome))
        }
        let failed = outcomes.filter { $0.status == .failed }.count
        let skipped = outcomes.filter { $0.status == .skipped }.count
        if !json {
            print("\(outcomes.count - failed - skipped) uploaded, \(skipped) skipped as identical, \(failed) failed")
        }
        if failed > 0 { throw ExitCode(1) }
    }

    static func textLine(_ outcome: UploadOutcome) -> String {
        switch outcome.status {
        case .uploaded: "uploaded \(outcome.source) -> \(outcome.uri) (\(outcome.bytes ?? 0) bytes, \(outcome.partsSent ?? 0) part(s) sent)"
        case .skipped: "skipped \(outcome.source) -> \(outcome.uri) (identical, sha256 \(outcome.sha256 ?? "?"))"
        case .failed: "failed \(outcome.source) -> \(outcome.uri): \(outcome.error ?? "unknown error")"
        }
    }

    static func jsonLine(_ outcome: UploadOutcome) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? String(decoding: encoder.encode(outcome), as: UTF8.self)) ?? "{}"
    }
}

/// Sizes like `8MiB`, `16MB`, `512KiB`, `5242880`.
enum ByteSize {
    static func parse(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [
            ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000), ("MB", 1_000_000),
            ("KB", 1000), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1),
        ]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), number > 0
            else { return nil }
            return Int64(number * Double(factor))
        }
        return Int64(trimmed).flatMap { $0 > 0 ? $0 : nil }
    }
}
