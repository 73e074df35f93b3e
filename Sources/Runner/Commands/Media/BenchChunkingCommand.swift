import ArgumentParser
import Foundation

struct BenchChunkingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chunking",
        abstract: "Compare `runner chunk` with the ffmpeg command on generated inputs (runs benchmarks/chunking.sh).")

    @Option(help: "Working directory for generated inputs and outputs.") var workDir: String = "bench-out"

    func run() throws {
        let script = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("../../benchmarks/chunking.sh").standardizedFileURL.path
        let candidates = [script, "benchmarks/chunking.sh"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ValidationError("benchmarks/chunking.sh not found; run from the repository")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: found)
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["RUNNER": CommandLine.arguments[0], "BENCH_DIR": workDir]) { $1 }
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
    }
}
