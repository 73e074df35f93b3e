import Foundation

/// The one retry policy for every provider: capped exponential back-off with full jitter that
/// yields to the server's own `Retry-After` or Gemini `RetryInfo.retryDelay`.
package struct RetryPolicy: Sendable {
    /// Total sends allowed, the first included.
    package var maxAttempts: Int
    package var baseDelay: Duration
    package var maxDelay: Duration
    /// A server asking to wait longer than this fails the request instead (e.g. a daily quota).
    package var maxRetryAfter: Duration

    package init(
        maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(20),
        maxRetryAfter: Duration = .seconds(120)
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// No retries at all.
    package static let none = RetryPolicy(maxAttempts: 1)

    /// The wait before attempt `attempt + 1` after `attempt` sends failed, or nil to give up.
    package func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        if let retryAfter {
            return retryAfter <= maxRetryAfter ? retryAfter : nil
        }
        return backoff(afterAttempt: attempt)
    }

    /// Full jitter: uniform in [0, min(maxDelay, baseDelay · 2^(attempt-1))].
    package func backoff(afterAttempt attempt: Int) -> Duration {
        let ceiling = min(maxDelay / .seconds(1), (baseDelay / .seconds(1)) * pow(2, Double(max(0, attempt - 1))))
        return .seconds(Double.random(in: 0...max(0, ceiling)))
    }

    /// Parses a `Retry-After` value: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
    package static func parseRetryAfter(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) {
                return .seconds(max(0, date.timeIntervalSince(now)))
            }
        }
        return nil
    }

    /// Parses a protobuf Duration string such as `"37s"` or `"57.238747106s"`.
    package static func parseProtobufDuration(_ value: String?) -> Duration? {
        guard let value, value.hasSuffix("s"), let seconds = Double(value.dropLast()), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }
}
