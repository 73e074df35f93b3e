import Foundation
import Logging

/// What a provider's error body said: its code, message, request id and requested wait.
package struct ErrorBodyDetails: Sendable {
    package var code: String?
    package var message: String?
    package var retryAfter: Duration?

    package init(code: String? = nil, message: String? = nil, retryAfter: Duration? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }
}

/// One provider's way to the network: the shared `HTTPClient`, its limiter, the retry policy and
/// its error-body parser. Every client (Rev.ai, Gemini, Cloud TTS, OpenAI, S3) sends through one.
package struct ProviderHTTP: Sendable {
    package var provider: String
    package var client: HTTPClient
    package var limiter: ProviderLimiter
    package var retry: RetryPolicy
    package var logger: Logger
    /// Keys and tokens this provider uses, scrubbed from every message kept or logged.
    package var secrets: [String]
    /// Reads the provider's error body (Google RPC shape, RFC 7807, OpenAI, S3 XML).
    package var parseError: @Sendable (HTTPResponse) -> ErrorBodyDetails
    /// Header that carries the provider's request id (`x-request-id`, `x-amz-request-id`…).
    package var requestIDHeaders: [String]

    package init(
        provider: String, client: HTTPClient = .shared, limiter: ProviderLimiter = ProviderLimiter(),
        retry: RetryPolicy = RetryPolicy(), logger: Logger, secrets: [String],
        requestIDHeaders: [String] = ["x-request-id", "x-goog-request-id", "x-amz-request-id", "request-id"],
        parseError: @escaping @Sendable (HTTPResponse) -> ErrorBodyDetails
    ) {
        self.provider = provider
        self.client = client
        self.limiter = limiter
        self.retry = retry
        self.logger = logger
        self.secrets = secrets
        ProviderSecrets.register(secrets)
        self.requestIDHeaders = requestIDHeaders
        self.parseError = parseError
    }

    /// Sends `request`, retrying transient failures, and returns a 2xx response.
    ///
    /// Retries 408, 429, 5xx, timeouts and dropped connections with `retry`. A request that is
    /// not idempotent is re-sent only when it provably did not take effect: the connection was
    /// never established, or the server refused it with 429.
    /// - Throws: `ProviderError` (`.http`, `.transport`, `.cancelled`) with the attempt count.
    package func send(_ request: HTTPRequest, operation: String) async throws -> HTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            let failure: ProviderError
            do {
                let started = ContinuousClock.now
                let response = try await limiter.run { try await client.send(request) }
                logger.debug("provider response", metadata: [
                    "provider": "\(provider)", "operation": "\(operation)", "status": "\(response.status)", "attempt": "\(attempt)",
                    "ms": "\(Int((ContinuousClock.now - started) / .milliseconds(1)))",
                ])
                if response.isSuccess { return response }
                failure = error(for: response, attempts: attempt)
            } catch let error as HTTPError {
                if error.kind == .cancelled { throw ProviderError(.cancelled, provider: provider, message: "cancelled", attempts: attempt) }
                failure = ProviderError(.transport, provider: provider, code: "\(error.kind)",
                                        message: scrub(error.message, secrets: secrets), attempts: attempt)
            } catch is CancellationError {
                throw ProviderError(.cancelled, provider: provider, message: "cancelled", attempts: attempt)
            }
            guard mayResend(request, after: failure), let wait = retry.delay(afterAttempt: attempt, retryAfter: failure.retryAfter)
            else { throw failure }
            logger.info("retrying provider request", metadata: [
                "provider": "\(provider)", "operation": "\(operation)", "attempt": "\(attempt)",
                "status": "\(failure.status.map(String.init) ?? "-")", "code": "\(failure.code ?? "-")",
                "wait_ms": "\(Int(wait / .milliseconds(1)))",
            ])
            do {
                try await Task.sleep(for: wait)
            } catch {
                throw ProviderError(.cancelled, provider: provider, message: "cancelled", attempts: attempt)
            }
        }
    }

    private func mayResend(_ request: HTTPRequest, after failure: ProviderError) -> Bool {
        guard failure.isTransient else { return false }
        if request.isIdempotent { return true }
        return failure.status == 429 || (failure.kind == .transport && failure.code == "\(HTTPError.Kind.connect)")
    }

    /// Builds the error for a non-2xx response from its headers and body.
    package func error(for response: HTTPResponse, attempts: Int) -> ProviderError {
        let details = parseError(response)
        // Headers come from the server too: one that echoes the key must not get it stored.
        let requestID = requestIDHeaders.lazy.compactMap { response.headers[$0] }.first
            .map { scrub($0, secrets: secrets, maxLength: 120) }
        let retryAfter = RetryPolicy.parseRetryAfter(response.headers["Retry-After"]) ?? details.retryAfter
        return ProviderError(
            .http, provider: provider, status: response.status, code: details.code.map { scrub($0, secrets: secrets, maxLength: 120) },
            message: details.message.map { scrub($0, secrets: secrets) }, requestID: requestID,
            retryAfter: retryAfter, attempts: attempts)
    }
}
