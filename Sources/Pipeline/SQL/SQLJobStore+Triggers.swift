import Foundation

extension SQLJobStore: TriggerStore {
    // MARK: Schedules

    private static let scheduleColumns = """
        id, tenant, cron, timezone, workflow, input, options, job_input, catch_up, paused, next_fire_at, last_fired_at, created_at
        """

    private static func schedule(_ r: Row) throws -> Schedule {
        Schedule(id: try r.uuid(0), tenant: try r.string(1), cron: try r.string(2), timezone: try r.string(3), workflow: try r.string(4),
                 input: try r.string(5), options: try r.string(6), jobInput: try r.string(7),
                 catchUp: try r.value(8, as: CatchUp.self), paused: try r.int(9) != 0, nextFireAt: try r.date(10),
                 lastFiredAt: try r.date(11), createdAt: try r.date(12) ?? Date(timeIntervalSince1970: 0))
    }

    private static func dateValue(_ date: Date?) -> SQLValue { date.map { .int($0.unixMilliseconds) } ?? .null }

    func createSchedule(_ schedule: Schedule) async throws -> Schedule {
        var schedule = schedule
        let (expression, zone) = try schedule.parsed()
        if schedule.nextFireAt == nil { schedule.nextFireAt = expression.next(after: Date(), in: zone) }
        let rows = try await backend.single(
            """
            INSERT INTO schedules (\(Self.scheduleColumns))
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, {now}) RETURNING \(Self.scheduleColumns)
            """,
            [.uuid(schedule.id), .text(schedule.tenant), .text(schedule.cron), .text(schedule.timezone), .text(schedule.workflow),
             .text(schedule.input), .text(schedule.options), .text(schedule.jobInput), .text(schedule.catchUp.rawValue),
             .int(schedule.paused ? 1 : 0), Self.dateValue(schedule.nextFireAt), Self.dateValue(schedule.lastFiredAt)])
        guard let row = rows.first else { throw StoreError(.database, "create schedule", "no row returned") }
        return try Self.schedule(row)
    }

    func schedules(tenant: String) async throws -> [Schedule] {
        try await backend.single(
            "SELECT \(Self.scheduleColumns) FROM schedules WHERE tenant = $1 ORDER BY created_at, id", [.text(tenant)]
        ).map { try Self.schedule($0) }
    }

    func schedule(_ id: UUID, tenant: String) async throws -> Schedule? {
        try await backend.single(
            "SELECT \(Self.scheduleColumns) FROM schedules WHERE id = $1 AND tenant = $2", [.uuid(id), .text(tenant)]
        ).first.map { try Self.schedule($0) }
    }

    func updateSchedule(_ schedule: Schedule) async throws -> Schedule? {
        _ = try schedule.parsed()
        return try await backend.single(
            """
            UPDATE schedules SET cron = $3, timezone = $4, workflow = $5, input = $6, options = $7, job_input = $8, catch_up = $9,
              paused = $10, next_fire_at = $11, last_fired_at = $12
            WHERE id = $1 AND tenant = $2 RETURNING \(Self.scheduleColumns)
            """,
            [.uuid(schedule.id), .text(schedule.tenant), .text(schedule.cron), .text(schedule.timezone), .text(schedule.workflow),
             .text(schedule.input), .text(schedule.options), .text(schedule.jobInput), .text(schedule.catchUp.rawValue),
             .int(schedule.paused ? 1 : 0), Self.dateValue(schedule.nextFireAt), Self.dateValue(schedule.lastFiredAt)]
        ).first.map { try Self.schedule($0) }
    }

    func deleteSchedule(_ id: UUID, tenant: String) async throws -> Bool {
        !(try await backend.single("DELETE FROM schedules WHERE id = $1 AND tenant = $2 RETURNING id", [.uuid(id), .text(tenant)])).isEmpty
    }

    func fireDueSchedules(limit: Int, source: String) async throws -> [ScheduleFire] {
        // A plain read first: most ticks find nothing due, and then take no write lock (SQLite).
        let due = try await backend.single("SELECT id FROM schedules WHERE paused = 0 AND next_fire_at <= {now} LIMIT 1", [])
        guard !due.isEmpty else { return [] }
        let backend = self.backend
        // PostgreSQL: a schedule another process is firing is skipped, not waited for (it
        // commits a later next_fire_at). SQLite: the write transaction is already exclusive.
        let lock = backend.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await backend.transaction(write: true) { c in
            let nowMS = try c.query("SELECT {now}").first?.int64(0) ?? Date().unixMilliseconds
            let now = Date(timeIntervalSince1970: Double(nowMS) / 1000)
            let rows = try c.query(
                "SELECT \(Self.scheduleColumns) FROM schedules WHERE paused = 0 AND next_fire_at <= $1 ORDER BY next_fire_at LIMIT $2" + lock,
                .int(nowMS), .int(max(1, limit)))
            var fired: [ScheduleFire] = []
            for row in rows {
                let schedule = try Self.schedule(row)
                let (times, next) = schedule.due(at: now)
                for time in times {
                    let ms = time.unixMilliseconds
                    var request = EnqueueRequest(workflow: schedule.workflow, input: try JSON(text: schedule.jobInput))
                    request.tenant = schedule.tenant
                    request.trigger = schedule.trigger
                    request.metadata = try JSON(encoding: ["schedule_id": schedule.id.uuidString.lowercased(),
                                                           "fire_time": time.formatted(.iso8601)])
                    let key = "schedule:\(schedule.id.uuidString.lowercased()):\(ms)"
                    let result = try Self.insertOne(c, request, key: key, source: source)
                    fired.append(ScheduleFire(scheduleID: schedule.id, fireTime: time, jobID: result.jobID, created: result.created))
                }
                try c.query("UPDATE schedules SET next_fire_at = $2, last_fired_at = COALESCE($3, last_fired_at) WHERE id = $1",
                            .uuid(schedule.id), Self.dateValue(next), Self.dateValue(times.last))
            }
            if fired.contains(where: \.created) { try backend.notifyWork(c, queue: "default") }
            return fired
        }
    }

    // MARK: Hooks

    private static let hookColumns = "id, tenant, name, secret, workflow, mapping, options, created_at"

    private static func hook(_ r: Row) throws -> Hook {
        let mapping = try JSONDecoder().decode([String: String].self, from: Data(try r.string(5).utf8))
        return Hook(id: try r.uuid(0), tenant: try r.string(1), name: try r.string(2), secret: try r.string(3), workflow: try r.string(4),
                    mapping: mapping, options: try r.string(6), createdAt: try r.date(7) ?? Date(timeIntervalSince1970: 0))
    }

    func createHook(_ hook: Hook) async throws -> Hook {
        let mapping = String(decoding: try JSONEncoder().encode(hook.mapping), as: UTF8.self)
        let rows = try await backend.single(
            """
            INSERT INTO hooks (\(Self.hookColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, {now})
            ON CONFLICT (name) DO NOTHING RETURNING \(Self.hookColumns)
            """,
            [.uuid(hook.id), .text(hook.tenant), .text(hook.name), .text(hook.secret), .text(hook.workflow), .text(mapping),
             .text(hook.options)])
        guard let row = rows.first else { throw StoreError(.conflict, "create hook", "a hook named \(hook.name) exists") }
        return try Self.hook(row)
    }

    func hooks(tenant: String) async throws -> [Hook] {
        try await backend.single("SELECT \(Self.hookColumns) FROM hooks WHERE tenant = $1 ORDER BY name", [.text(tenant)])
            .map { try Self.hook($0) }
    }

    func hook(named name: String) async throws -> Hook? {
        try await backend.single("SELECT \(Self.hookColumns) FROM hooks WHERE name = $1", [.text(name)]).first.map { try Self.hook($0) }
    }

    func deleteHook(named name: String, tenant: String) async throws -> Bool {
        !(try await backend.single("DELETE FROM hooks WHERE name = $1 AND tenant = $2 RETURNING id", [.text(name), .text(tenant)])).isEmpty
    }

    // MARK: Upload sessions without a job

    func pendingUploadSessions(tenant: String, limit: Int) async throws -> [UploadSession] {
        let ids = try await backend.single(
            """
            SELECT s.id FROM upload_sessions s WHERE s.tenant = $1 AND s.job_id IS NULL
              AND EXISTS (SELECT 1 FROM upload_files f WHERE f.session_id = s.id)
            ORDER BY s.created_at, s.id LIMIT $2
            """,
            [.text(tenant), .int(max(1, limit))]
        ).map { try $0.uuid(0) }
        var sessions: [UploadSession] = []
        for id in ids {
            if let session = try await uploadSession(id, tenant: tenant) { sessions.append(session) }
        }
        return sessions
    }

    func enqueue(_ request: EnqueueRequest, forUploadSession session: UUID, source: String) async throws -> EnqueueResult? {
        let backend = self.backend
        // PostgreSQL: a concurrent call waits on the session's row, then sees its job.
        let lock = backend.dialect == .postgres ? " FOR UPDATE" : ""
        let key = request.uniqueKey ?? Self.defaultUniqueKey(request)
        return try await backend.transaction(write: true) { c in
            guard let row = try c.query("SELECT job_id FROM upload_sessions WHERE id = $1 AND tenant = $2" + lock,
                                        .uuid(session), .text(request.tenant)).first,
                  row[0] == nil
            else { return nil }
            let result = try Self.insertOne(c, request, key: key, source: source)
            try c.query("UPDATE upload_sessions SET job_id = $2 WHERE id = $1", .uuid(session), .uuid(result.jobID))
            if result.created { try backend.notifyWork(c, queue: request.queue) }
            return result
        }
    }

    func linkUploadSession(_ session: UUID, job: UUID) async throws {
        _ = try await backend.single("UPDATE upload_sessions SET job_id = $2 WHERE id = $1 AND job_id IS NULL", [.uuid(session), .uuid(job)])
    }
}
