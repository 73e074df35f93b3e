import Foundation

/// What happens to fire times missed while nothing was running (more than
/// `Schedule.onTimeGrace` late): `none` skips them, `last` fires the latest one, `all` fires
/// each (the latest `Schedule.maxCatchUp` of them).
public enum CatchUp: String, Sendable, CaseIterable, Codable {
    case none, last, all
}

/// A workflow run on a cron schedule, owned by a tenant.
public struct Schedule: Sendable {
    /// A fire time less late than this is on time and fires whatever `catchUp` says (tickers run
    /// every second; a loaded machine may be a few seconds late).
    public static let onTimeGrace: TimeInterval = 30
    /// `catch_up: all` fires at most this many missed times (the latest ones).
    public static let maxCatchUp = 1000

    public let id: UUID
    public var tenant: String
    public var cron: String
    public var timezone: String
    public var workflow: String
    /// The input and options as the client gave them (shown back).
    public var input: String
    public var options: String
    /// The workflow's own input document every fired job gets.
    public var jobInput: String
    public var catchUp: CatchUp
    public var paused: Bool
    public var nextFireAt: Date?
    public var lastFiredAt: Date?
    public var createdAt: Date

    public init(id: UUID = UUID(), tenant: String, cron: String, timezone: String, workflow: String, input: String = "{}",
                options: String = "{}", jobInput: String, catchUp: CatchUp = .last, paused: Bool = false,
                nextFireAt: Date? = nil, lastFiredAt: Date? = nil, createdAt: Date = Date()) {
        self.id = id
        self.tenant = tenant
        self.cron = cron
        self.timezone = timezone
        self.workflow = workflow
        self.input = input
        self.options = options
        self.jobInput = jobInput
        self.catchUp = catchUp
        self.paused = paused
        self.nextFireAt = nextFireAt
        self.lastFiredAt = lastFiredAt
        self.createdAt = createdAt
    }

    /// The trigger its jobs record.
    public var trigger: String { "schedule:\(id.uuidString.lowercased())" }

    /// The parsed cron expression and time zone. - Throws: `ScheduleError` naming the field.
    public func parsed() throws -> (CronExpression, TimeZone) {
        let expression: CronExpression
        do { expression = try CronExpression(cron) } catch let error as CronExpression.ParseError {
            throw ScheduleError(field: "cron", reason: error.description)
        }
        guard let zone = TimeZone(identifier: timezone) else {
            throw ScheduleError(field: "timezone", reason: "\(timezone) is not an IANA time zone (e.g. Europe/Paris, UTC)")
        }
        return (expression, zone)
    }

    /// The next `count` fire times after `date`.
    public func upcoming(after date: Date, count: Int) -> [Date] {
        guard let (expression, zone) = try? parsed() else { return [] }
        var times: [Date] = []
        var cursor = date
        while times.count < count, let next = expression.next(after: cursor, in: zone) {
            times.append(next)
            cursor = next
        }
        return times
    }

    /// The fire times due at `now` (from `nextFireAt`), after `catchUp` has dropped the missed
    /// ones it does not fire, oldest first, and the next fire time after `now`.
    public func due(at now: Date) -> (fire: [Date], next: Date?) {
        guard let (expression, zone) = try? parsed() else { return ([], nil) }
        guard let first = nextFireAt, first <= now else { return ([], nextFireAt ?? expression.next(after: now, in: zone)) }
        let next = expression.next(after: now, in: zone)
        let cutoff = now.addingTimeInterval(-Self.onTimeGrace)
        // On time: later than the cutoff; missed: at or before it.
        var onTime: [Date] = []
        var cursor: Date? = first > cutoff ? first : expression.next(after: cutoff, in: zone)
        while let time = cursor, time <= now {
            onTime.append(time)
            cursor = expression.next(after: time, in: zone)
        }
        guard first <= cutoff, catchUp != .none else { return (onTime, next) }
        // Walk back in widening windows, so a long outage of a fine schedule costs only the
        // window that holds the times fired.
        let wanted = catchUp == .last ? 1 : Self.maxCatchUp
        var missed: [Date] = []
        for window: TimeInterval in [3600, 86_400, 32 * 86_400, 400 * 86_400, 11 * 365 * 86_400] {
            let windowStart = cutoff.addingTimeInterval(-window)
            let fromFirst = windowStart <= first
            var t: Date? = fromFirst ? first : expression.next(after: windowStart, in: zone)
            missed = []
            while let time = t, time <= cutoff {
                missed.append(time)
                if missed.count > wanted { missed.removeFirst() }
                t = expression.next(after: time, in: zone)
            }
            if missed.count >= wanted || fromFirst { break }
        }
        return (missed + onTime, next)
    }
}

/// A schedule field that is not valid: which field and why.
public struct ScheduleError: Error, CustomStringConvertible {
    public let field: String
    public let reason: String
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
    public var description: String { "\(field): \(reason)" }
}

/// One job a schedule fired.
public struct ScheduleFire: Sendable {
    public let scheduleID: UUID
    public let fireTime: Date
    public let jobID: UUID
    public let created: Bool
}
