import ArgumentParser
import Pipeline

struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a queued, retrying or running job (a running one stops at its next step boundary or heartbeat).")

    @OptionGroup var store: StoreOptions
    @Argument(help: "The job id, or a unique prefix of it (the 8 characters `runner process` prints).") var job: String

    func run() async throws {
        let outcome = try await withStore(store) { try await $0.cancel(jobID: try await resolveJobID(job, in: $0), source: "cli") }
        switch outcome {
        case .done(let from): print("cancelled \(job) (was \(from.rawValue))")
        case .notApplicable(let status): throw ValidationError("cannot cancel \(job): it is \(status.rawValue)")
        }
    }
}

struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Redrive a dead or cancelled job: queue it again with fresh attempts; finished steps are kept.")

    @OptionGroup var store: StoreOptions
    @Argument(help: "The job id, or a unique prefix of it (the 8 characters `runner process` prints).") var job: String

    func run() async throws {
        let outcome = try await withStore(store) { try await $0.retry(jobID: try await resolveJobID(job, in: $0), source: "cli") }
        switch outcome {
        case .done(let from): print("queued \(job) again (was \(from.rawValue))")
        case .notApplicable(let status): throw ValidationError("cannot retry \(job): it is \(status.rawValue) (only dead or cancelled jobs)")
        }
    }
}

struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete finished jobs (succeeded, dead, cancelled) older than an age, with their steps, assets and events.")

    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("older-than"), help: "Age of the finish time: 7d, 12h, 30m, 90s.") var olderThan: String
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard Self.age(olderThan) != nil else { throw ValidationError("--older-than: not an age: \(olderThan) (e.g. 7d, 12h)") }
    }

    func run() async throws {
        let age = Self.age(olderThan)!
        let result = try await withStore(store) { try await $0.prune(olderThan: age) }
        if json {
            printJSON(["jobs": result.jobs, "events": result.events])
        } else {
            print("pruned \(result.jobs) finished jobs and \(result.events) events older than \(olderThan)")
        }
    }

    /// `7d`, or any duration `parseDuration` reads (`12h`, `30m`, `90s`).
    static func age(_ text: String) -> Duration? {
        if text.hasSuffix("d"), let days = Double(text.dropLast()), days >= 0 {
            return .milliseconds(Int64(days * 86_400_000))
        }
        return parseDuration(text)
    }
}
