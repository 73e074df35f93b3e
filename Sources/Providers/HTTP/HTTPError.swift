/// A transport failure: no HTTP response was received (or it could not be kept).
///
/// The description names the failure and curl's generic message for its code; it never contains
/// URLs, headers or bodies, so it is safe to log.
package struct HTTPError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        /// The connection could not be established (nothing was sent).
        case connect
        /// The connect or total timeout elapsed.
        case timeout
        /// The connection broke or the server sent nothing or a malformed/short response.
        case connectionLost
        /// The response body exceeded the destination's limit.
        case bodyTooLarge
        /// The task was cancelled; the transfer was aborted.
        case cancelled
        /// A local problem: unreadable body file, unwritable destination, bad URL.
        case local
        case other
    }

    package var kind: Kind
    /// The libcurl result code, when curl reported the failure.
    package var curlCode: Int?
    package var message: String

    package init(_ kind: Kind, curlCode: Int? = nil, message: String) {
        self.kind = kind
        self.curlCode = curlCode
        self.message = message
    }

    /// Whether trying again may succeed (timeouts and broken connections).
    package var isTransient: Bool { kind == .connect || kind == .timeout || kind == .connectionLost }

    package var description: String {
        "HTTP transport error (\(kind)): \(message)" + (curlCode.map { " [curl \($0)]" } ?? "")
    }
}
