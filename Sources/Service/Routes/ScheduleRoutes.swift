import Basics
import Foundation
import Hummingbird
import Pipeline

extension APIServer {
    var scheduleRoutes: [APIRoute] {
        [
            APIRoute(.post, "/v1/schedules", .write) { request, context in
                let object = try await jsonObject(request)
                let schedule = try await newSchedule(object, tenant: try context.caller.tenant)
                let created = try await triggers.createSchedule(schedule)
                return try JSONResponse.make(Views.schedule(created), status: .created,
                                             headers: [.location: "/v1/schedules/\(Views.id(created.id))"])
            },
            APIRoute(.get, "/v1/schedules", .read) { _, context in
                let schedules = try await triggers.schedules(tenant: try context.caller.tenant)
                return try JSONResponse.make(["schedules": schedules.map(Views.schedule)])
            },
            APIRoute(.get, "/v1/schedules/{id}", .read) { _, context in
                try JSONResponse.make(Views.schedule(try await ownedSchedule(context)))
            },
            APIRoute(.patch, "/v1/schedules/{id}", .write) { request, context in
                let schedule = try await ownedSchedule(context)
                let changed = try await patched(schedule, try await jsonObject(request))
                guard let saved = try await triggers.updateSchedule(changed) else { throw Problem.notFound("schedule \(Views.id(schedule.id))") }
                return try JSONResponse.make(Views.schedule(saved))
            },
            APIRoute(.delete, "/v1/schedules/{id}", .write) { _, context in
                let schedule = try await ownedSchedule(context)
                _ = try await triggers.deleteSchedule(schedule.id, tenant: schedule.tenant)
                return JSONResponse.noContent()
            },
            APIRoute(.post, "/v1/schedules/{id}/pause", .write) { _, context in
                let schedule = try await ownedSchedule(context)
                guard let saved = try await triggers.updateSchedule(try await patched(schedule, ["paused": true])) else {
                    throw Problem.notFound("schedule \(Views.id(schedule.id))")
                }
                return try JSONResponse.make(Views.schedule(saved))
            },
            APIRoute(.post, "/v1/schedules/{id}/resume", .write) { _, context in
                let schedule = try await ownedSchedule(context)
                guard let saved = try await triggers.updateSchedule(try await patched(schedule, ["paused": false])) else {
                    throw Problem.notFound("schedule \(Views.id(schedule.id))")
                }
                return try JSONResponse.make(Views.schedule(saved))
            },
        ]
    }

    /// The store's trigger side (both stores have it).
    var triggers: any TriggerStore {
        get throws {
            guard let triggers = store as? any TriggerStore else {
                throw Problem(.notImplemented, "unsupported", "this job store has no schedules or hooks")
            }
            return triggers
        }
    }

    func jsonObject(_ request: Request) async throws -> [String: Any] {
        let data = try await requestBody(request, limit: configuration.maxTextBytes + 64 * 1024)
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Problem.badRequest("the body must be a JSON object")
        }
        return object
    }

    private func ownedSchedule(_ context: APIContext) async throws -> Schedule {
        let text = context.parameters.get("id") ?? ""
        guard let id = UUID(uuidString: text), let schedule = try await triggers.schedule(id, tenant: try context.caller.tenant) else {
            throw Problem.notFound("schedule \(text)")
        }
        return schedule
    }

    private static let scheduleFields: Set<String> = ["cron", "timezone", "workflow", "input", "options", "catch_up", "paused"]

    private func newSchedule(_ object: [String: Any], tenant: String) async throws -> Schedule {
        if let unknown = Set(object.keys).subtracting(Self.scheduleFields).sorted().first {
            throw Problem.invalid("\(unknown): unknown field (known: \(Self.scheduleFields.sorted().joined(separator: ", ")))")
        }
        guard object["cron"] != nil else { throw Problem.invalid("cron: missing (e.g. \"0 3 * * *\")") }
        var schedule = Schedule(tenant: tenant, cron: "", timezone: "UTC", workflow: "", jobInput: "{}")
        return try await apply(object, to: &schedule, creating: true)
    }

    private func patched(_ schedule: Schedule, _ object: [String: Any]) async throws -> Schedule {
        if let unknown = Set(object.keys).subtracting(Self.scheduleFields).sorted().first {
            throw Problem.invalid("\(unknown): unknown field (known: \(Self.scheduleFields.sorted().joined(separator: ", ")))")
        }
        var schedule = schedule
        return try await apply(object, to: &schedule, creating: false)
    }

    /// Checks and applies the fields of a create or patch body; a changed cron, time zone or a
    /// resume computes the next fire time from now (paused time is not caught up).
    private func apply(_ object: [String: Any], to schedule: inout Schedule, creating: Bool) async throws -> Schedule {
        let wasPaused = schedule.paused
        var retime = creating
        if let value = object["cron"] {
            guard let cron = value as? String, !cron.isEmpty, cron.count <= 200 else { throw Problem.invalid("cron: must be a cron expression") }
            schedule.cron = cron
            retime = true
        }
        if let value = object["timezone"] {
            guard let zone = value as? String else { throw Problem.invalid("timezone: must be an IANA time zone name") }
            schedule.timezone = zone
            retime = true
        }
        if let value = object["catch_up"] {
            guard let text = value as? String, let mode = CatchUp(rawValue: text) else {
                throw Problem.invalid("catch_up: must be one of none, last, all")
            }
            schedule.catchUp = mode
        }
        if let value = object["paused"] {
            guard let paused = value as? Bool else {
                throw Problem.invalid("paused: must be true or false")
            }
            schedule.paused = paused
            if wasPaused && !paused { retime = true }
        }
        let (expression, zone): (CronExpression, TimeZone)
        do { (expression, zone) = try schedule.parsed() } catch let error as ScheduleError {
            throw Problem.invalid(error.description)
        }
        if creating || object["workflow"] != nil || object["input"] != nil || object["options"] != nil {
            var job: [String: Any] = [
                "workflow": object["workflow"] ?? schedule.workflow,
                "input": object["input"] ?? (creating ? NSNull() : Views.object(schedule.input)),
                "options": object["options"] ?? Views.object(schedule.options),
            ]
            if job["options"] is NSNull { job["options"] = [String: Any]() }
            let body = try JobRequest(parsing: try JSONSerialization.data(withJSONObject: job))
            let input = try await workflowInput(body, tenant: schedule.tenant)
            schedule.workflow = body.workflow
            schedule.input = try Self.text(job["input"] ?? [:])
            schedule.options = try Self.text(body.options)
            schedule.jobInput = input.text
        }
        if retime { schedule.nextFireAt = expression.next(after: Date(), in: zone) }
        if schedule.nextFireAt == nil {
            throw Problem.invalid("cron: \(schedule.cron) never fires in the next 10 years")
        }
        return schedule
    }

    static func text(_ object: Any) throws -> String {
        try JSONText.string(object)
    }
}

extension Views {
    /// A schedule, with its next five fire times.
    static func schedule(_ schedule: Schedule) -> [String: Any] {
        let base = "/v1/schedules/\(id(schedule.id))"
        let upcoming = schedule.paused ? [] : schedule.upcoming(after: Date(), count: 5)
        return [
            "id": id(schedule.id), "cron": schedule.cron, "timezone": schedule.timezone, "workflow": schedule.workflow,
            "input": object(schedule.input), "options": object(schedule.options), "catch_up": schedule.catchUp.rawValue,
            "paused": schedule.paused, "next_fire_at": schedule.paused ? NSNull() : time(schedule.nextFireAt),
            "next_fire_times": upcoming.map { time($0) }, "last_fired_at": time(schedule.lastFiredAt),
            "created_at": time(schedule.createdAt), "trigger": schedule.trigger,
            "links": ["self": base, schedule.paused ? "resume" : "pause": base + (schedule.paused ? "/resume" : "/pause")],
        ]
    }
}
