/// An HTTP/1.1 and HTTP/2 client over libcurl with an async API.
///
/// All transfers run on one dedicated thread through curl's multi interface: many requests can
/// be in flight at once, connections are reused, and no Swift cooperative thread blocks. TLS peer
/// verification stays on; libcurl's handling of `http_proxy`/`https_proxy`/`no_proxy` is kept.
///
/// ```swift
/// let client = HTTPClient()
/// let response = try await client.send(HTTPRequest(url: "https://example.com/"))
/// ```
///
/// This type does not retry or rate-limit; `ProviderHTTP` adds those per provider.
package final class HTTPClient: Sendable {
    /// Connection pool bounds for the underlying multi handle.
    package struct Configuration: Sendable {
        package var maxConnectionsPerHost: Int
        package var maxTotalConnections: Int

        package init(maxConnectionsPerHost: Int = 32, maxTotalConnections: Int = 128) {
            self.maxConnectionsPerHost = maxConnectionsPerHost
            self.maxTotalConnections = maxTotalConnections
        }
    }

    /// A client shared by the whole process (one thread, one connection pool).
    package static let shared = HTTPClient()

    private let engine: CurlEngine

    package init(configuration: Configuration = Configuration()) {
        engine = CurlEngine(
            maxConnectionsPerHost: configuration.maxConnectionsPerHost,
            maxTotalConnections: configuration.maxTotalConnections)
    }

    deinit { engine.shutdown() }

    /// Sends one request and returns the response, whatever its status.
    ///
    /// Cancelling the calling task aborts the transfer promptly.
    /// - Throws: `HTTPError` when no usable response arrived (connect failure, timeout, broken
    ///   connection, body over its limit, cancellation, unreadable body file).
    package func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let token = CancelToken()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                engine.submit(CurlTransfer(request: request, token: token, continuation: continuation))
            }
        } onCancel: {
            token.cancel()
            engine.wake()
        }
    }
}
