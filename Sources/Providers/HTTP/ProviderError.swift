import Foundation
import Synchronization

/// A failure talking to an external provider (Rev.ai, Gemini, Cloud TTS, OpenAI-compatible, S3).
///
/// Carries what a user or operator needs to act: the provider, the HTTP status, the provider's
/// own error code and message, its request id and the wait it asked for. `description` never
/// contains keys, tokens, URLs with credentials or request bodies: messages that came from the
/// server are scrubbed of known secrets and shortened before they are stored here.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, open for new cases without breaking callers.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case http, transport, cancelled, invalidResponse, blocked, jobFailed, missingConfiguration, invalidInput
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The provider answered with a non-success HTTP status.
        public static let http = Kind(.http)
        /// No response: connect failure, timeout, dropped connection, body over its limit.
        public static let transport = Kind(.transport)
        /// The caller's task was cancelled.
        public static let cancelled = Kind(.cancelled)
        /// A success status with a body we cannot use (malformed JSON, no audio, truncated output).
        public static let invalidResponse = Kind(.invalidResponse)
        /// The provider refused the content (Gemini blocked prompt or safety stop).
        public static let blocked = Kind(.blocked)
        /// An asynchronous job ended in failure (Rev.ai `failed`).
        public static let jobFailed = Kind(.jobFailed)
        /// A key or setting is missing; `message` names the environment variable.
        public static let missingConfiguration = Kind(.missingConfiguration)
        /// The input cannot be sent as given (too long, empty, unsupported format).
        public static let invalidInput = Kind(.invalidInput)

        public var description: String { base.rawValue }
    }

    public var kind: Kind
    /// Short provider name: `revai`, `gemini`, `google-tts`, `openai`, `espeak`, `s3`.
    public var provider: String
    public var status: Int?
    /// The provider's own code: Google `status` (`RESOURCE_EXHAUSTED`), Rev problem `type`,
    /// OpenAI `error.type`/`code`, S3 `<Code>`, Rev job `failure`.
    public var code: String?
    public var message: String?
    public var requestID: String?
    /// The wait the provider asked for (`Retry-After`, Gemini `RetryInfo.retryDelay`).
    public var retryAfter: Duration?
    /// How many times the request was sent.
    public var attempts: Int

    public init(
        _ kind: Kind, provider: String, status: Int? = nil, code: String? = nil, message: String? = nil,
        requestID: String? = nil, retryAfter: Duration? = nil, attempts: Int = 1
    ) {
        self.kind = kind
        self.provider = provider
        self.status = status
        // Every text here may have come from a server (an error body, a header, a job record);
        // one that echoes a key must not get it printed or stored.
        self.code = code.map { ProviderSecrets.scrub($0, maxLength: 120) }
        self.message = message.map { ProviderSecrets.scrub($0) }
        self.requestID = requestID.map { ProviderSecrets.scrub($0, maxLength: 120) }
        self.retryAfter = retryAfter
        self.attempts = attempts
    }

    public var description: String {
        var text = "\(provider): \(kind)"
        if let status { text += " HTTP \(status)" }
        if let code { text += " \(code)" }
        if let message { text += ": \(message)" }
        var extras: [String] = []
        if let requestID { extras.append("request id \(requestID)") }
        if let retryAfter { extras.append("retry after \(String(format: "%.1f", retryAfter / .seconds(1)))s") }
        if attempts > 1 { extras.append("\(attempts) attempts") }
        if !extras.isEmpty { text += " (" + extras.joined(separator: ", ") + ")" }
        return ProviderSecrets.scrub(text, maxLength: .max)  // fields are public and settable
    }

    /// Whether sending the same request again later may succeed.
    public var isTransient: Bool {
        switch kind {
        case .transport: true
        case .http: status.map { $0 == 429 || $0 == 408 || (500...599).contains($0) } ?? false
        default: false
        }
    }
}

/// Removes secrets from text that came from a server or the transport, turns control
/// characters (newlines, NULs, escapes) into spaces and bounds its length.
package func scrub(_ text: String, secrets: [String], maxLength: Int = 300) -> String {
    var result = text
    for secret in secrets where secret.count >= 4 {
        result = result.replacingOccurrences(of: secret, with: "[redacted]")
    }
    if result.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
        result = String(String.UnicodeScalarView(result.unicodeScalars.map {
            $0.properties.generalCategory == .control ? " " : $0
        }))
    }
    return result.count > maxLength ? String(result.prefix(maxLength)) + "…" : result
}

/// Every key and token a provider client of this process was built with, so that a
/// `ProviderError` scrubs them from whatever text a server sent back, wherever it was built.
package enum ProviderSecrets {
    private static let known = Mutex<Set<String>>([])

    /// Adds `secrets` (ignoring ones too short to search for) to those scrubbed from errors.
    package static func register(_ secrets: [String]) {
        let usable = secrets.filter { $0.count >= 4 }
        guard !usable.isEmpty else { return }
        known.withLock { $0.formUnion(usable) }
    }

    /// `text` without any registered secret, control characters or excess length.
    package static func scrub(_ text: String, maxLength: Int = 300) -> String {
        // Longest first, so a secret that contains another is removed whole.
        let secrets = known.withLock { $0.sorted { $0.count > $1.count } }
        return Providers.scrub(text, secrets: secrets, maxLength: maxLength)
    }
}
