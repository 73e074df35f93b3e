import ArgumentParser
import Foundation
import Pipeline

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a job: status, progress, error and its steps.")

    @OptionGroup var store: StoreOptions
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "The job id, or a unique prefix of it (the 8 characters `runner process` prints).") var job: String

    func run() async throws {
        let (found, steps) = try await withStore(store) { store in
            let id = try await resolveJobID(job, in: store)
            return (try await store.job(id), try await store.steps(of: id))
        }
        guard let found else { throw ValidationError("no job \(job)") }
        if json {
            var object = JobsOutput.job(found)
            object["steps"] = steps.map(JobsOutput.step)
            printJSON(object)
            return
        }
        print("job       \(found.id.uuidString.lowercased())")
        print("workflow  \(found.workflow) (queue \(found.queue), priority \(found.priority))")
        print("status    \(found.status.rawValue), attempt \(found.attempts) of \(found.maxAttempts)")
        print("progress  \(found.stepsDone)/\(found.stepsTotal) steps, \(Int((found.progress * 100).rounded()))%")
        if found.status == .retrying || found.status == .queued { print("run at    \(JobsOutput.time(found.runAt))") }
        if let worker = found.lockedBy { print("worker    \(worker)") }
        if let error = found.error { print("error     \(error)") }
        if !steps.isEmpty {
            print("")
            print(JobsOutput.table(["STEP", "STATUS", "ATTEMPTS", "STARTED", "FINISHED"], steps.map {
                [$0.name, $0.status.rawValue, String($0.attempts), JobsOutput.time($0.startedAt), JobsOutput.time($0.finishedAt)]
            }))
        }
    }
}

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Show a job's history, oldest first, with the source of each change.")

    @OptionGroup var store: StoreOptions
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "The job id, or a unique prefix of it (the 8 characters `runner process` prints).") var job: String

    func run() async throws {
        let events = try await withStore(store) { try await $0.events(of: try await resolveJobID(job, in: $0)) }
        if json {
            printJSON(events.map(JobsOutput.event))
            return
        }
        guard !events.isEmpty else { throw ValidationError("no events for job \(job)") }
        print(JobsOutput.table(["AT", "EVENT", "SOURCE", "STEP", "DETAIL"], events.map {
            [JobsOutput.time($0.at), $0.type, $0.source, $0.step ?? "-", $0.payload ?? ""]
        }))
    }
}

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "List jobs (newest first) with the count per status.")

    @OptionGroup var store: StoreOptions
    @Option(help: "Only jobs in this status (queued, running, succeeded, retrying, dead, cancelled).")
    var status: String?
    @Option(help: "At most this many jobs.") var limit = 50
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if let status, JobStatus(rawValue: status) == nil { throw ValidationError("unknown status \(status)") }
    }

    func run() async throws {
        let filter = status.flatMap(JobStatus.init(rawValue:))
        let (jobs, counts) = try await withStore(store) { store in
            (try await store.jobs(status: filter, limit: limit), try await store.counts())
        }
        let countsObject = Dictionary(uniqueKeysWithValues: JobStatus.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
        if json {
            printJSON(["counts": countsObject, "jobs": jobs.map(JobsOutput.job)] as [String: Any])
            return
        }
        if !jobs.isEmpty {
            print(JobsOutput.table(["JOB", "WORKFLOW", "STATUS", "ATTEMPTS", "PROGRESS", "CREATED"], jobs.map {
                [$0.id.uuidString.lowercased(), $0.workflow, $0.status.rawValue, "\($0.attempts)/\($0.maxAttempts)",
                 "\($0.stepsDone)/\($0.stepsTotal)", JobsOutput.time($0.createdAt)]
            }))
        }
        print(JobStatus.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", "))
    }
}
