import ArgumentParser
import Foundation
import Pipeline

struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Add one job per INPUT (idempotent: the same workflow, queue and input give the same job).",
        discussion: "An INPUT starting with '{' is the job's JSON input; any other INPUT becomes {\"input\": INPUT}.")

    @OptionGroup var store: StoreOptions
    @Option(help: "The workflow to run.") var workflow: String
    @Option(help: "Higher runs first.") var priority = 0
    @Option(name: .customLong("run-at"), help: "Earliest start: ISO 8601 time, or a delay such as 30s or 5m.")
    var runAt: String?
    @Option(help: "The queue.") var queue = "default"
    @Option(name: .customLong("max-attempts"), help: "Attempts before the job is dead.") var maxAttempts = 3
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "Inputs, one job each.") var inputs: [String]

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one INPUT") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        if let runAt, scheduledTime(runAt) == nil { throw ValidationError("--run-at: not a time or delay: \(runAt)") }
    }

    func run() async throws {
        let when = runAt.flatMap(scheduledTime)
        let requests = try inputs.map { input in
            let document = input.hasPrefix("{") ? try JSON(text: input) : try JSON(encoding: ["input": input])
            return EnqueueRequest(workflow: workflow, input: document, queue: queue, priority: priority,
                                  maxAttempts: maxAttempts, runAt: when)
        }
        let results = try await withStore(store, create: true) { store in
            var results: [EnqueueResult] = []
            for request in requests { results.append(try await store.enqueue(request, source: "cli")) }
            return results
        }
        if json {
            let rows = zip(inputs, results).map { ["id": $1.jobID.uuidString.lowercased(), "created": $1.created, "input": $0] as [String: Any] }
            printJSON(rows)
        } else {
            for (input, result) in zip(inputs, results) {
                print("\(result.jobID.uuidString.lowercased())\t\(result.created ? "enqueued" : "exists")\t\(input)")
            }
        }
    }

    private func scheduledTime(_ text: String) -> Date? {
        if let delay = parseDuration(text) { return Date().addingTimeInterval(Double(delay.components.seconds)
            + Double(delay.components.attoseconds) / 1e18) }
        return ISO8601DateFormatter().date(from: text)
    }
}
