import Foundation

/// One HTTP request for `HTTPClient`: method, absolute URL, headers, body, where the response
/// body goes, and timeouts.
package struct HTTPRequest: Sendable {
    package var method: String
    /// Absolute URL, already percent-encoded; curl sends it as given.
    package var url: String
    package var headers: HTTPHeaders
    package var body: HTTPBody
    package var response: ResponseDestination
    /// Time allowed to establish the connection (TCP + TLS).
    package var connectTimeout: Duration
    /// Time allowed for the whole transfer, connection included.
    package var timeout: Duration
    /// Whether sending this request twice has the same effect as once. `ProviderHTTP` never
    /// re-sends a non-idempotent request after it may have reached the server (a Rev.ai job POST
    /// creates a billed job). Defaults to false for POST and PATCH, true otherwise.
    package var isIdempotent: Bool
    /// Addresses to connect to instead of resolving the host again, as curl's `CURLOPT_RESOLVE`
    /// entries `HOST:PORT:ADDRESS`: a URL checked against `OutboundURLPolicy` is fetched from
    /// the addresses that were checked (a second DNS answer cannot point it elsewhere).
    package var pinnedAddresses: [String] = []

    package init(
        method: String = "GET", url: String, headers: HTTPHeaders = [:], body: HTTPBody = .none,
        response: ResponseDestination = .memory(limit: 64 << 20),
        connectTimeout: Duration = .seconds(10), timeout: Duration = .seconds(120),
        isIdempotent: Bool? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.response = response
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.isIdempotent = isIdempotent ?? !["POST", "PATCH"].contains(method.uppercased())
    }
}

/// Where a request body comes from. Files are streamed, never read whole into memory.
package enum HTTPBody: Sendable {
    case none
    /// Bytes held in memory (JSON, small payloads).
    case bytes(Data)
    /// `length` bytes of the file at `path` starting at `offset` (nil length: to the end of the
    /// file). Used for media uploads and S3 multipart parts.
    case file(path: String, offset: Int64 = 0, length: Int64? = nil)
    /// A `multipart/form-data` body (curl_mime); file parts are streamed from disk.
    case multipart([MultipartPart])
}

/// One part of a `multipart/form-data` body.
package struct MultipartPart: Sendable {
    package enum Content: Sendable {
        case bytes(Data)
        case file(path: String)
    }

    package var name: String
    package var content: Content
    package var filename: String?
    package var contentType: String?

    package init(name: String, content: Content, filename: String? = nil, contentType: String? = nil) {
        self.name = name
        self.content = content
        self.filename = filename
        self.contentType = contentType
    }

    /// A plain form field (no filename), e.g. Rev.ai's `options` JSON string.
    package static func field(_ name: String, _ value: String) -> MultipartPart {
        MultipartPart(name: name, content: .bytes(Data(value.utf8)))
    }
}

/// Where the response body goes.
package enum ResponseDestination: Sendable {
    /// Collected in memory; a body larger than `limit` bytes fails with `HTTPError.bodyTooLarge`.
    case memory(limit: Int)
    /// Streamed to a file created (or truncated) at `path`; `limit` bounds its size if set.
    /// The file is written whatever the status, so callers check the status before using it.
    case file(path: String, limit: Int64? = nil)
}
