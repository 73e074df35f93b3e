import Foundation
import Logging

/// The outcome of one input of a batch.
public struct ChunkOutcome: Sendable {
    public enum Status: String, Sendable { case chunked, skipped, failed }
    public var input: String
    public var name: String
    public var status: Status
    public var manifest: ChunkManifest?
    /// Why it failed.
    public var reason: String?
    public var wallSeconds: Double
}

/// Chunks many inputs into `<out>/<name>/`, several at once, each on its own thread; one
/// failure does not stop the others. Failures are also written to `<out>/errors.json`.
public enum ChunkBatch {
    public static func run(
        inputs: DiscoveredInputs, outputDirectory: String, options: ChunkJobOptions, jobs: Int,
        logger: Logger, onOutcome: @escaping @Sendable (ChunkOutcome) -> Void = { _ in }
    ) async throws -> [ChunkOutcome] {
        try options.validate()
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        var outcomes = inputs.failures.map {
            ChunkOutcome(input: $0.path, name: "", status: .failed, manifest: nil, reason: $0.reason, wallSeconds: 0)
        }
        outcomes.forEach(onOutcome)
        let limit = max(1, jobs)
        let cancellation = CancellationFlag()
        try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: ChunkOutcome.self) { group in
                var pending = inputs.items[...]
                func startNext() {
                    guard let item = pending.popFirst() else { return }
                    group.addTask {
                        await chunkOne(item, outputDirectory: outputDirectory, options: options,
                                       cancellation: cancellation, logger: logger)
                    }
                }
                for _ in 0..<limit { startNext() }
                while let outcome = try await group.next() {
                    outcomes.append(outcome)
                    onOutcome(outcome)
                    startNext()
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
        try writeErrors(outcomes, to: outputDirectory)
        return outcomes
    }

    private static func chunkOne(_ item: DiscoveredInputs.Item, outputDirectory: String, options: ChunkJobOptions,
                                 cancellation: CancellationFlag, logger: Logger) async -> ChunkOutcome {
        let started = Date()
        let directory = (outputDirectory as NSString).appendingPathComponent(item.name)
        do {
            let (manifest, skipped) = try await runOnDedicatedThread(name: "chunk") {
                try ChunkFileJob.run(input: item.path, directory: directory, options: options, cancellation: cancellation)
            }
            logger.debug("chunked", metadata: ["input": "\(item.path)", "chunks": "\(manifest.chunks.count)", "skipped": "\(skipped)"])
            return ChunkOutcome(input: item.path, name: item.name, status: skipped ? .skipped : .chunked,
                                manifest: manifest, reason: nil, wallSeconds: Date().timeIntervalSince(started))
        } catch {
            let reason = (error as? MediaError).map { err in err.path == item.path ? "\(err.code): \(err.reason)" : err.description }
                ?? "\(error)"
            logger.debug("chunk failed", metadata: ["input": "\(item.path)", "reason": "\(reason)"])
            return ChunkOutcome(input: item.path, name: item.name, status: .failed, manifest: nil, reason: reason,
                                wallSeconds: Date().timeIntervalSince(started))
        }
    }

    /// `errors.json`: `[{"input": …, "reason": …}]` for each failure; removed when none failed.
    private static func writeErrors(_ outcomes: [ChunkOutcome], to directory: String) throws {
        let path = (directory as NSString).appendingPathComponent("errors.json")
        let failures = outcomes.filter { $0.status == .failed }.map { ["input": $0.input, "reason": $0.reason ?? ""] }
        guard !failures.isEmpty else {
            try? FileManager.default.removeItem(atPath: path)
            return
        }
        let data = try JSONSerialization.data(withJSONObject: failures, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
