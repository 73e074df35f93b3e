import Foundation
import Testing
@testable import Pipeline

/// Cron parsing and next-fire computation, checked against fire times worked out by hand
/// (UTC instants), including the 2026 daylight-saving changes of Paris and New York.
@Suite struct CronExpressionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let cron: String
        let zone: String
        let after: String
        /// The next fire times, in order (empty: never).
        let expected: [String]
        var testDescription: String { "\(cron) [\(zone)] after \(after)" }
    }

    static let cases: [Case] = [
        Case(cron: "0 3 * * *", zone: "UTC", after: "2026-03-10T12:00:00Z", expected: ["2026-03-11T03:00:00Z", "2026-03-12T03:00:00Z"]),
        Case(cron: "*/15 * * * *", zone: "UTC", after: "2026-01-01T00:07:00Z", expected: ["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z"]),
        // 2026-01-02 is a Friday: the next weekday 09:00 is Monday the 5th.
        Case(cron: "0 9 * * MON-FRI", zone: "UTC", after: "2026-01-02T10:00:00Z", expected: ["2026-01-05T09:00:00Z", "2026-01-06T09:00:00Z"]),
        Case(cron: "0 0 1 JAN *", zone: "UTC", after: "2026-06-01T00:00:00Z", expected: ["2027-01-01T00:00:00Z"]),
        Case(cron: "0 0 1 jan,jul *", zone: "UTC", after: "2026-02-01T00:00:00Z", expected: ["2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"]),
        // Day of month and day of week both restricted: either matches (Friday the 9th comes before the 15th).
        Case(cron: "30 4 1,15 * 5", zone: "UTC", after: "2026-01-02T05:00:00Z",
             expected: ["2026-01-09T04:30:00Z", "2026-01-15T04:30:00Z", "2026-01-16T04:30:00Z"]),
        // A day-of-month step starts with '*': it counts as unrestricted, so day of week must match too.
        Case(cron: "0 0 */10 * MON", zone: "UTC", after: "2026-01-01T00:00:00Z", expected: ["2026-05-11T00:00:00Z"]),
        Case(cron: "*/10 * * * * *", zone: "UTC", after: "2026-01-01T00:00:05Z", expected: ["2026-01-01T00:00:10Z", "2026-01-01T00:00:20Z"]),
        Case(cron: "* * * * * *", zone: "UTC", after: "2026-01-01T00:00:05.400Z", expected: ["2026-01-01T00:00:06Z", "2026-01-01T00:00:07Z"]),
        Case(cron: "0 0 29 2 *", zone: "UTC", after: "2026-03-01T00:00:00Z", expected: ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]),
        Case(cron: "@hourly", zone: "UTC", after: "2026-01-01T10:30:00Z", expected: ["2026-01-01T11:00:00Z"]),
        Case(cron: "@daily", zone: "Europe/Paris", after: "2026-01-01T10:30:00Z", expected: ["2026-01-01T23:00:00Z"]),
        Case(cron: "5/20 * * * *", zone: "UTC", after: "2026-01-01T00:06:00Z", expected: ["2026-01-01T00:25:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:05:00Z"]),
        Case(cron: "10-40/15 8 * * *", zone: "UTC", after: "2026-01-01T00:00:00Z", expected: ["2026-01-01T08:10:00Z", "2026-01-01T08:25:00Z", "2026-01-01T08:40:00Z", "2026-01-02T08:10:00Z"]),
        // 7 is Sunday too (2026-01-04 is a Sunday).
        Case(cron: "0 12 * * 7", zone: "UTC", after: "2026-01-01T00:00:00Z", expected: ["2026-01-04T12:00:00Z", "2026-01-11T12:00:00Z"]),
        Case(cron: "0 0 30 2 *", zone: "UTC", after: "2026-01-01T00:00:00Z", expected: []),
        // Paris in winter is UTC+1, in summer UTC+2.
        Case(cron: "0 3 * * *", zone: "Europe/Paris", after: "2026-01-10T00:00:00Z", expected: ["2026-01-10T02:00:00Z"]),
        // Spring forward in Paris: 2026-03-29 02:00 CET becomes 03:00 CEST (01:00 UTC). 02:30 does not
        // exist: it fires once at the end of the gap; the next day at 02:30 CEST.
        Case(cron: "30 2 * * *", zone: "Europe/Paris", after: "2026-03-28T12:00:00Z",
             expected: ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]),
        // 03:00 on that day is the same instant as the end of the gap.
        Case(cron: "0 3 * * *", zone: "Europe/Paris", after: "2026-03-28T12:00:00Z", expected: ["2026-03-29T01:00:00Z", "2026-03-30T01:00:00Z"]),
        // Several skipped times (02:00, 02:15, 02:30, 02:45) fire once, then 03:xx is not matched.
        Case(cron: "*/15 2 * * *", zone: "Europe/Paris", after: "2026-03-29T00:30:00Z",
             expected: ["2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z"]),
        // Fall back in Paris: 2026-10-25 03:00 CEST becomes 02:00 CET (01:00 UTC); 02:30 happens
        // twice and fires once, at its first occurrence (00:30 UTC), not again at 01:30 UTC.
        Case(cron: "30 2 * * *", zone: "Europe/Paris", after: "2026-10-24T12:00:00Z",
             expected: ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]),
        // Hourly across the fall-back: the repeated 02:00 wall time fires once.
        Case(cron: "0 * * * *", zone: "Europe/Paris", after: "2026-10-24T23:30:00Z",
             expected: ["2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z"]),
        // New York springs forward 2026-03-08 02:00 EST → 03:00 EDT (07:00 UTC).
        Case(cron: "30 2 * * *", zone: "America/New_York", after: "2026-03-07T12:00:00Z",
             expected: ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]),
        Case(cron: "0 9 * * *", zone: "America/New_York", after: "2026-03-07T12:00:00Z",
             expected: ["2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z"]),
        // New York falls back 2026-11-01 02:00 EDT → 01:00 EST (06:00 UTC): 01:30 fires once (EDT).
        Case(cron: "30 1 * * *", zone: "America/New_York", after: "2026-10-31T12:00:00Z",
             expected: ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]),
        // Every 30 minutes through the repeated hour: 01:00 and 01:30 fire once each.
        Case(cron: "0,30 * * * *", zone: "America/New_York", after: "2026-11-01T04:45:00Z",
             expected: ["2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T07:00:00Z", "2026-11-01T07:30:00Z"]),
    ]

    @Test(arguments: cases)
    func nextFireTimes(_ c: Case) throws {
        let expression = try CronExpression(c.cron)
        let zone = try #require(TimeZone(identifier: c.zone))
        var cursor = try Self.date(c.after)
        var got: [String] = []
        for _ in 0..<max(1, c.expected.count) {
            guard let next = expression.next(after: cursor, in: zone) else { break }
            got.append(next.formatted(.iso8601))
            cursor = next
        }
        #expect(got == c.expected)
    }

    @Test(arguments: [
        ("61 * * * *", "minute field '61': 61 is out of range 0-59"),
        ("* * * *", "expected 5 fields"),
        ("0 0 * FOO *", "month field 'FOO'"),
        ("*/0 * * * *", "step '0'"),
        ("0 25 * * *", "hour field '25'"),
        ("0 0 * * MON-SUNDAY", "day-of-week field"),
        ("5-1 * * * *", "runs backwards"),
        ("60 * * * * *", "second field '60'"),
    ])
    func invalidExpressionsNameTheField(_ text: String, _ message: String) {
        #expect {
            _ = try CronExpression(text)
        } throws: { error in
            String(describing: error).contains(message)
        }
    }

    @Test func scheduleNamesABadTimeZone() {
        let schedule = Schedule(tenant: "t", cron: "0 3 * * *", timezone: "Mars/Olympus", workflow: "noop", jobInput: "{}")
        #expect {
            _ = try schedule.parsed()
        } throws: { error in
            (error as? ScheduleError)?.field == "timezone"
        }
    }

    /// What each catch-up mode fires for a schedule that missed three days at 03:00 UTC.
    @Test(arguments: [(CatchUp.none, 0), (.last, 1), (.all, 3)])
    func catchUpModes(_ mode: CatchUp, _ count: Int) throws {
        let now = try Self.date("2026-05-04T12:00:00Z")
        let schedule = Schedule(tenant: "t", cron: "0 3 * * *", timezone: "UTC", workflow: "noop", jobInput: "{}", catchUp: mode,
                                nextFireAt: try Self.date("2026-05-02T03:00:00Z"))
        let (fire, next) = schedule.due(at: now)
        let all = ["2026-05-02T03:00:00Z", "2026-05-03T03:00:00Z", "2026-05-04T03:00:00Z"]
        #expect(fire.map { $0.formatted(.iso8601) } == Array(all.suffix(count)))
        #expect(next?.formatted(.iso8601) == "2026-05-05T03:00:00Z")
    }

    /// An every-second schedule whose ticker is a few seconds late fires each second (on time,
    /// whatever the mode); `all` after a long outage fires at most the latest 1000.
    @Test func lateTicksFireEveryTimeAndAllIsCapped() throws {
        let now = try Self.date("2026-05-04T12:00:00Z")
        var schedule = Schedule(tenant: "t", cron: "* * * * * *", timezone: "UTC", workflow: "noop", jobInput: "{}", catchUp: .none,
                                nextFireAt: now.addingTimeInterval(-3))
        #expect(schedule.due(at: now).fire.count == 4)
        schedule.catchUp = .all
        schedule.nextFireAt = now.addingTimeInterval(-86_400)
        let fire = schedule.due(at: now).fire
        #expect(fire.count == Schedule.maxCatchUp + Int(Schedule.onTimeGrace))
        #expect(fire.last == now)
        #expect(Set(fire).count == fire.count)
    }

    static func date(_ text: String) throws -> Date {
        try Date.ISO8601FormatStyle(includingFractionalSeconds: text.contains(".")).parse(text)
    }
}
