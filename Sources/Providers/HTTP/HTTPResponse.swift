import Foundation

/// The answer to an `HTTPRequest`: status, headers (case-insensitive) and body.
package struct HTTPResponse: Sendable {
    package var status: Int
    package var headers: HTTPHeaders
    /// The body when the destination was `.memory`; empty when it went to a file.
    package var body: Data
    /// Bytes of body received (in memory or written to the file).
    package var bodyLength: Int64

    package init(status: Int, headers: HTTPHeaders = [:], body: Data = Data(), bodyLength: Int64? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyLength = bodyLength ?? Int64(body.count)
    }

    package var isSuccess: Bool { (200..<300).contains(status) }

    /// The body decoded as UTF-8 (lossy), for error messages and text endpoints.
    package var text: String { String(decoding: body, as: UTF8.self) }
}
