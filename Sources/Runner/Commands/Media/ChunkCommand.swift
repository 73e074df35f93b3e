import ArgumentParser
import Foundation
import MediaCore

struct ChunkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chunk",
        abstract: "Split audio and video files into audio chunks at silences, with a manifest per input.",
        discussion: """
            Writes DIR/<input-name>/chunk-0000.<ext>, … and DIR/<input-name>/manifest.json. Directories are \
            walked recursively; files that are not audio or video are reported and skipped. Inputs already \
            chunked with the same options and unchanged bytes are skipped. Failures are listed on stderr and \
            in DIR/errors.json, and the exit status is then 1.
            """)

    @Argument(help: "Files or directories.") var inputs: [String]
    @Option(name: .customLong("out"), help: "Output directory.") var outputDirectory: String
    @OptionGroup var chunking: ChunkOptionGroup
    @Option(help: "Inputs processed at once (default: the number of cores).") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Print a JSON report instead of lines.") var json = false
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        ProcessTuning.limitMallocArenas(1)
        let logger = global.makeLogger("runner.chunk")
        let discovered = InputDiscovery.discover(inputs, excluding: outputDirectory)
        ProcessTuning.releaseStartupPages()
        for skipped in discovered.skipped where !json {
            printError("skipped: \(skipped.path): \(skipped.reason)")
        }
        let json = self.json
        let outcomes = try await ChunkBatch.run(
            inputs: discovered, outputDirectory: outputDirectory, options: chunking.jobOptions, jobs: jobs,
            logger: logger
        ) { outcome in
            guard !json else { return }
            switch outcome.status {
            case .chunked, .skipped:
                let manifest = outcome.manifest!
                let verb = outcome.status == .chunked ? "chunked" : "unchanged"
                print("\(verb): \(outcome.input) -> \(manifest.chunks.count) chunk(s), \(String(format: "%.1f", manifest.source.durationSeconds)) s (\(String(format: "%.2f", outcome.wallSeconds)) s)")
                for warning in manifest.warnings { printError("warning: \(outcome.input): \(warning)") }
            case .failed:
                printError("failed: \(outcome.input): \(outcome.reason ?? "unknown error")")
            }
        }
        let failed = outcomes.filter { $0.status == .failed }
        if json {
            print(try jsonString(ChunkReport(outcomes: outcomes, skipped: discovered.skipped)))
        } else {
            let done = outcomes.count - failed.count
            print("\(done) input(s) done, \(failed.count) failed, \(discovered.skipped.count) skipped; output in \(outputDirectory)")
        }
        if !failed.isEmpty { throw ExitCode(1) }
    }
}

/// The `--json` report of `runner chunk`.
struct ChunkReport: Encodable {
    struct Entry: Encodable {
        var input: String
        var status: String
        var output: String?
        var chunks: Int?
        var reason: String?
    }
    var inputs: [Entry]
    var skipped: [[String: String]]

    init(outcomes: [ChunkOutcome], skipped: [(path: String, reason: String)]) {
        inputs = outcomes.map {
            Entry(input: $0.input, status: $0.status.rawValue, output: $0.name.isEmpty ? nil : $0.name,
                  chunks: $0.manifest?.chunks.count, reason: $0.reason)
        }
        self.skipped = skipped.map { ["path": $0.path, "reason": $0.reason] }
    }
}
