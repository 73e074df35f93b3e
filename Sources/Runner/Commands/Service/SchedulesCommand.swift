import ArgumentParser
import Foundation
import Pipeline

struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules", abstract: "Add, list, pause, resume and delete cron schedules (fired by every worker and server).",
        subcommands: [Add.self, List.self, Pause.self, Resume.self, Delete.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a schedule that enqueues WORKFLOW with INPUT at each fire time.",
            discussion: """
                INPUT is the workflow's own input document, as `runner enqueue` takes it. Through the API \
                (POST /v1/schedules) the input is given as for POST /v1/jobs instead.
                """)
        @OptionGroup var store: StoreOptions
        @Option(help: "5 fields (minute hour day-of-month month day-of-week), or 6 with leading seconds.") var cron: String
        @Option(help: "An IANA time zone.") var timezone = "UTC"
        @Option(help: "The workflow to run.") var workflow: String
        @Option(help: "The job's JSON input.") var input: String
        @Option(name: .customLong("catch-up"), help: "Missed fire times after downtime: none, last or all.") var catchUp = "last"
        @Option(help: "The tenant that owns the schedule and its jobs.") var tenant = "default"
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard CatchUp(rawValue: catchUp) != nil else { throw ValidationError("--catch-up must be none, last or all") }
            do { _ = try JSON(text: input) } catch { throw ValidationError("--input is not valid JSON") }
            let probe = Schedule(tenant: tenant, cron: cron, timezone: timezone, workflow: workflow, jobInput: "{}")
            do { _ = try probe.parsed() } catch { throw ValidationError("\(error)") }
        }

        func run() async throws {
            let schedule = Schedule(tenant: tenant, cron: cron, timezone: timezone, workflow: workflow, input: input,
                                    jobInput: try JSON(text: input).text, catchUp: CatchUp(rawValue: catchUp) ?? .last)
            let created = try await withTriggerStore(store) { try await $0.createSchedule(schedule) }
            SchedulesCommand.show([created], json: json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's schedules with their next fire time.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The tenant.") var tenant = "default"
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let schedules = try await withTriggerStore(store) { try await $0.schedules(tenant: tenant) }
            SchedulesCommand.show(schedules, json: json)
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a schedule firing until resumed.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The tenant.") var tenant = "default"
        @Argument(help: "The schedule's id.") var id: String

        func run() async throws { try await SchedulesCommand.setPaused(true, id: id, tenant: tenant, store: store) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fire again from the next fire time after now.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The tenant.") var tenant = "default"
        @Argument(help: "The schedule's id.") var id: String

        func run() async throws { try await SchedulesCommand.setPaused(false, id: id, tenant: tenant, store: store) }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a schedule (its jobs stay).")
        @OptionGroup var store: StoreOptions
        @Option(help: "The tenant.") var tenant = "default"
        @Argument(help: "The schedule's id.") var id: String

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw ValidationError("\(id) is not a schedule id") }
            let deleted = try await withTriggerStore(store) { try await $0.deleteSchedule(uuid, tenant: tenant) }
            guard deleted else { throw ValidationError("no schedule \(id) for tenant \(tenant)") }
            print("deleted \(id)")
        }
    }

    static func setPaused(_ paused: Bool, id: String, tenant: String, store: StoreOptions) async throws {
        guard let uuid = UUID(uuidString: id) else { throw ValidationError("\(id) is not a schedule id") }
        let saved = try await withTriggerStore(store) { triggers -> Schedule? in
            guard var schedule = try await triggers.schedule(uuid, tenant: tenant) else { return nil }
            if schedule.paused && !paused, let (expression, zone) = try? schedule.parsed() {
                schedule.nextFireAt = expression.next(after: Date(), in: zone)
            }
            schedule.paused = paused
            return try await triggers.updateSchedule(schedule)
        }
        guard let saved else { throw ValidationError("no schedule \(id) for tenant \(tenant)") }
        show([saved], json: false)
    }

    static func show(_ schedules: [Schedule], json: Bool) {
        let format = Date.ISO8601FormatStyle()
        if json {
            printJSON(schedules.map { s -> [String: Any] in
                ["id": s.id.uuidString.lowercased(), "tenant": s.tenant, "cron": s.cron, "timezone": s.timezone, "workflow": s.workflow,
                 "catch_up": s.catchUp.rawValue, "paused": s.paused,
                 "next_fire_at": s.paused ? NSNull() : s.nextFireAt.map { format.format($0) } ?? NSNull(),
                 "last_fired_at": s.lastFiredAt.map { format.format($0) } ?? NSNull()]
            })
            return
        }
        for s in schedules {
            let next = s.paused ? "paused" : s.nextFireAt.map { "next \(format.format($0))" } ?? "never"
            print("\(s.id.uuidString.lowercased())\t\(s.cron)\t\(s.timezone)\t\(s.workflow)\tcatch-up \(s.catchUp.rawValue)\t\(next)")
        }
    }
}

/// Runs `body` with the trigger side of the store open (migrated), closing it afterwards.
func withTriggerStore<T>(_ options: StoreOptions, _ body: (any TriggerStore) async throws -> T) async throws -> T {
    try await withServiceStore(options) { store in
        guard let triggers = store as? any TriggerStore else { throw ValidationError("this store has no schedules or hooks") }
        return try await body(triggers)
    }
}
