import Foundation

/// A cron expression: the standard five fields (minute, hour, day of month, month, day of week)
/// or six with a leading seconds field. Each field takes `*`, numbers, names (`JAN`–`DEC`,
/// `SUN`–`SAT`), lists (`1,15`), ranges (`MON-FRI`), and steps (`*/15`, `10-40/10`, `5/20` =
/// `5-max/20`). Day of week 0 and 7 are Sunday. The macros `@yearly` (`@annually`),
/// `@monthly`, `@weekly`, `@daily` (`@midnight`) and `@hourly` are accepted.
///
/// Day of month and day of week follow cron's rule: when both are restricted (neither field
/// starts with `*`), a day matches if either matches; otherwise both must.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let description: String
    let seconds: Set<Int>
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    /// 0 (Sunday) … 6.
    let daysOfWeek: Set<Int>
    let domStar: Bool
    let dowStar: Bool

    /// Why an expression was refused: the field and the reason, written for the user.
    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    private static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// - Throws: `ParseError` naming the field that is wrong and why.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        description = trimmed
        let expanded = Self.macros[trimmed.lowercased()] ?? trimmed
        var fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 || fields.count == 6 else {
            throw ParseError(description: "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading seconds field, got \(fields.count)")
        }
        if fields.count == 5 { fields.insert("0", at: 0) }
        seconds = try Self.field(fields[0], "second", 0...59)
        minutes = try Self.field(fields[1], "minute", 0...59)
        hours = try Self.field(fields[2], "hour", 0...23)
        daysOfMonth = try Self.field(fields[3], "day-of-month", 1...31)
        months = try Self.field(fields[4], "month", 1...12, names: Self.monthNames, nameBase: 1)
        let dow = try Self.field(fields[5], "day-of-week", 0...7, names: Self.dayNames, nameBase: 0)
        daysOfWeek = Set(dow.map { $0 % 7 })
        domStar = fields[3].hasPrefix("*")
        dowStar = fields[5].hasPrefix("*")
    }

    private static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>, names: [String] = [],
                              nameBase: Int = 0) throws -> Set<Int> {
        func fail(_ why: String) -> ParseError { ParseError(description: "\(name) field '\(text)': \(why)") }
        func value(_ token: Substring) throws -> Int {
            if let number = Int(token) {
                guard range.contains(number) else { throw fail("\(number) is out of range \(range.lowerBound)-\(range.upperBound)") }
                return number
            }
            if let index = names.firstIndex(of: token.uppercased()) { return index + nameBase }
            throw fail("'\(token)' is not a number\(names.isEmpty ? "" : " or a name (\(names.first!)-\(names.last!))")")
        }
        var result = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw fail("empty list item") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw fail("more than one '/' in '\(part)'") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s >= 1, s <= range.upperBound else {
                    throw fail("step '\(pieces[1])' must be a whole number from 1 to \(range.upperBound)")
                }
                step = s
            }
            let base = pieces[0]
            let low: Int
            let high: Int
            if base == "*" {
                (low, high) = (range.lowerBound, range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                low = try value(base[..<dash])
                high = try value(base[base.index(after: dash)...])
                guard low <= high else { throw fail("range \(base) runs backwards") }
            } else {
                low = try value(base)
                high = pieces.count == 2 ? range.upperBound : low
            }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result
    }

    // MARK: Next fire time

    /// The first fire time strictly after `date`, in `timeZone`'s wall clock, to the second;
    /// nil when the expression never matches again within 10 years (e.g. `0 0 30 2 *`).
    ///
    /// Over daylight-saving changes: a wall time that does not exist (02:30 on a spring-forward
    /// day) fires at the first instant after the gap (03:00 new time), as cronie runs the jobs of
    /// a skipped hour "immediately"; several skipped times fire once at that instant. A wall
    /// time that occurs twice (fall-back) fires once, at its first occurrence.
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        let afterSeconds = Int64(floor(date.timeIntervalSince1970))
        let offset = Int64(timeZone.secondsFromGMT(for: date))
        var wall = Wall(unix: afterSeconds + offset + 1)
        let limit = wall.year + 10
        while wall.year <= limit {
            guard let match = nextMatch(from: wall, yearLimit: limit) else { return nil }
            let instant = Self.instant(ofWall: match.unix, in: timeZone)
            if instant > afterSeconds { return Date(timeIntervalSince1970: TimeInterval(instant)) }
            // The wall time's first occurrence is already past (the second pass of a fall-back hour).
            wall = Wall(unix: match.unix + 1)
        }
        return nil
    }

    /// The first wall time at or after `start` that matches every field.
    private func nextMatch(from start: Wall, yearLimit: Int) -> Wall? {
        var w = start
        while w.year <= yearLimit {
            if !months.contains(w.month) {
                w.advanceMonth()
                continue
            }
            if !dayMatches(w) {
                w.advanceDay()
                continue
            }
            if !hours.contains(w.hour) {
                w.advanceHour()
                continue
            }
            if !minutes.contains(w.minute) {
                w.advanceMinute()
                continue
            }
            if !seconds.contains(w.second) {
                w.advanceSecond()
                continue
            }
            return w
        }
        return nil
    }

    private func dayMatches(_ w: Wall) -> Bool {
        let dom = daysOfMonth.contains(w.day)
        let dow = daysOfWeek.contains(w.weekday)
        if domStar || dowStar { return dom && dow }
        return dom || dow
    }

    /// The Unix time at which the wall clock of `timeZone` shows `wall` (seconds as if UTC):
    /// the earlier instant when it shows it twice, the end of the gap when it never does.
    static func instant(ofWall wall: Int64, in timeZone: TimeZone) -> Int64 {
        func offset(_ t: Int64) -> Int64 { Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))) }
        let candidates = Set([offset(wall - 86_400), offset(wall), offset(wall + 86_400)])
        let valid = candidates.map { wall - $0 }.filter { offset($0) == wall - $0 }
        if let first = valid.min() { return first }
        // In a gap: the offset changes from `before` to `after` (after > before) between the two
        // readings; find the first instant with the new offset.
        let before = candidates.min()!
        let after = candidates.max()!
        var low = wall - after
        var high = wall - before
        while high - low > 1 {
            let middle = (low + high) / 2
            if offset(middle) == after { high = middle } else { low = middle }
        }
        return high
    }
}

/// A wall-clock time as plain calendar fields (proleptic Gregorian), without a time zone.
struct Wall {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    init(unix: Int64) {
        let days = Int(floorDiv(unix, 86_400))
        let rest = Int(unix - Int64(days) * 86_400)
        (year, month, day) = Self.civil(fromDays: days)
        hour = rest / 3600
        minute = rest / 60 % 60
        second = rest % 60
    }

    var unix: Int64 {
        Int64(Self.days(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// 0 = Sunday.
    var weekday: Int { ((Self.days(year: year, month: month, day: day) % 7) + 11) % 7 }

    mutating func advanceMonth() {
        (day, hour, minute, second) = (1, 0, 0, 0)
        month += 1
        if month > 12 { (month, year) = (1, year + 1) }
    }

    mutating func advanceDay() {
        (hour, minute, second) = (0, 0, 0)
        day += 1
        if day > Self.daysIn(year: year, month: month) { advanceMonth() }
    }

    mutating func advanceHour() {
        (minute, second) = (0, 0)
        hour += 1
        if hour > 23 { advanceDay() }
    }

    mutating func advanceMinute() {
        second = 0
        minute += 1
        if minute > 59 { advanceHour() }
    }

    mutating func advanceSecond() {
        second += 1
        if second > 59 { advanceMinute() }
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The inverse of `days` (`civil_from_days`).
    static func civil(fromDays z: Int) -> (Int, Int, Int) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    a >= 0 ? a / b : -((-a + b - 1) / b)
}
