import Foundation

/// A misbehaviour the fake applies to the next request of a service.
package enum Fault: Sendable, Equatable, CustomStringConvertible {
    /// An error status in the service's own error shape; `retryAfter` becomes the `Retry-After`
    /// header (seconds or HTTP-date), and for Gemini 429s `retryDelay` goes in `RetryInfo`.
    case status(Int, retryAfter: String? = nil, retryDelay: String? = nil)
    /// Answer after this delay (one request).
    case latency(Duration)
    /// Never answer; close after the hang limit.
    case hang
    /// Close the connection without answering.
    case dropConnection
    /// Send half the announced body, then close.
    case truncatedBody
    /// A 200 whose body is not valid JSON.
    case malformedBody
    /// Gemini: 200 with `finishReason: OTHER` and `content: {}` (no audio, no text).
    case geminiNoContent
    /// An error status whose `x-request-id` header and error message echo the credential the
    /// request carried, as a careless proxy or endpoint might.
    case echoKey(Int)

    package var description: String {
        switch self {
        case .status(let code, let retryAfter, let retryDelay):
            "status:\(code)" + (retryAfter.map { ":retry-after=\($0)" } ?? "") + (retryDelay.map { ":retry-delay=\($0)" } ?? "")
        case .latency(let duration): "latency:\(duration)"
        case .hang: "hang"
        case .dropConnection: "drop"
        case .truncatedBody: "truncate"
        case .malformedBody: "malformed"
        case .geminiNoContent: "gemini-no-content"
        case .echoKey(let code): "echo-key:\(code)"
        }
    }

    /// Parses the `--fault` flag syntax: `429`, `429:retry-after=2`, `503`, `hang`, `drop`,
    /// `truncate`, `malformed`, `gemini-no-content`, `echo-key:401`, `latency=250ms`.
    package init?(flag: String) {
        let parts = flag.split(separator: ":").map(String.init)
        guard let head = parts.first else { return nil }
        switch head {
        case "hang": self = .hang
        case "drop": self = .dropConnection
        case "truncate": self = .truncatedBody
        case "malformed": self = .malformedBody
        case "gemini-no-content": self = .geminiNoContent
        case "echo-key": self = .echoKey(parts.count > 1 ? Int(parts[1]) ?? 400 : 400)
        default:
            if head.hasPrefix("latency="), let ms = Int(head.dropFirst(8).replacingOccurrences(of: "ms", with: "")) {
                self = .latency(.milliseconds(ms))
            } else if let code = Int(head) {
                var retryAfter: String?
                var retryDelay: String?
                for option in parts.dropFirst() {
                    if option.hasPrefix("retry-after=") { retryAfter = String(option.dropFirst(12)) }
                    if option.hasPrefix("retry-delay=") { retryDelay = String(option.dropFirst(12)) }
                }
                self = .status(code, retryAfter: retryAfter, retryDelay: retryDelay)
            } else {
                return nil
            }
        }
    }
}

/// The fake APIs served on one port.
package enum FakeService: String, Sendable, CaseIterable {
    case revai, gemini, googleTTS = "google-tts", openai
    /// `/_echo` and `/_bytes`, for transport tests.
    case echo
}
