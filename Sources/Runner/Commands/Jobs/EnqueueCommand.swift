import ArgumentParser
import Foundation
import Pipeline

struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Add one job per INPUT (idempotent: the same workflow, queue and input give the same job).",
        discussion: """
            An INPUT starting with '{' is the job's JSON input; any other INPUT becomes {"input": INPUT}. \
            With --from, each non-empty line of FILE (or of standard input for '-') is one INPUT; \
            jobs are inserted many per statement.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "The workflow to run.") var workflow: String
    @Option(help: "Higher runs first.") var priority = 0
    @Option(name: .customLong("run-at"), help: "Earliest start: ISO 8601 time, or a delay such as 30s or 5m.")
    var runAt: String?
    @Option(help: "The queue.") var queue = "default"
    @Option(name: .customLong("max-attempts"), help: "Attempts before the job is dead.") var maxAttempts = 3
    @Option(name: .customLong("from"), help: "Read INPUTs from FILE, one per line ('-': standard input).")
    var from: String?
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "Inputs, one job each.") var inputs: [String] = []

    func validate() throws {
        guard !inputs.isEmpty || from != nil else { throw ValidationError("give at least one INPUT, or --from FILE") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        if let runAt, scheduledTime(runAt) == nil { throw ValidationError("--run-at: not a time or delay: \(runAt)") }
    }

    func run() async throws {
        let when = runAt.flatMap(scheduledTime)
        let items = try inputs + (from.map(Self.readLines) ?? [])
        let requests = try items.enumerated().map { index, input in
            let document: JSON
            do {
                document = input.hasPrefix("{") ? try JSON(text: input) : try JSON(encoding: ["input": input])
            } catch {
                throw ValidationError("input \(index + 1) is not valid JSON: \(input.prefix(80))")
            }
            return EnqueueRequest(workflow: workflow, input: document, queue: queue, priority: priority,
                                  maxAttempts: maxAttempts, runAt: when)
        }
        let results = try await withStore(store, create: true) { try await $0.enqueue(batch: requests, source: "cli") }
        if json {
            let rows = zip(items, results).map { ["id": $1.jobID.uuidString.lowercased(), "created": $1.created, "input": $0] as [String: Any] }
            printJSON(rows)
        } else {
            var out = ""
            for (input, result) in zip(items, results) {
                out += "\(result.jobID.uuidString.lowercased())\t\(result.created ? "enqueued" : "exists")\t\(input)\n"
                if out.utf8.count > 1 << 16 {
                    print(out, terminator: "")
                    out = ""
                }
            }
            print(out, terminator: "")
        }
    }

    /// The non-empty lines of a file or of standard input, read at once and split in one pass.
    static func readLines(_ path: String) throws -> [String] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw ValidationError("--from: cannot read \(path): \(error.localizedDescription)")
            }
        }
        return data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).compactMap { line in
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : text
        }
    }

    private func scheduledTime(_ text: String) -> Date? {
        if let delay = parseDuration(text) { return Date().addingTimeInterval(Double(delay.components.seconds)
            + Double(delay.components.attoseconds) / 1e18) }
        return ISO8601DateFormatter().date(from: text)
    }
}
