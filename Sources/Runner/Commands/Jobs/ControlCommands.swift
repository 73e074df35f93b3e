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
