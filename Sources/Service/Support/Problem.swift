import Basics
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Pipeline
import Providers

/// An error answered as `application/problem+json` (RFC 9457): `type`, `title`, `status`,
/// `detail`, and our `code`. Its text is written for the client: never a stack trace, SQL or a
/// secret.
struct Problem: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let detail: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
    }

    static func notFound(_ what: String) -> Problem { Problem(.notFound, "not_found", "\(what) does not exist") }
    static func invalid(_ detail: String) -> Problem { Problem(.unprocessableContent, "invalid_request", detail) }
    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, "bad_request", detail) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: [String: Any] = [
            "type": "https://media-pipeline.invalid/problems/\(code)",
            "title": status.reasonPhrase,
            "status": status.code,
            "detail": detail,
            "code": code,
        ]
        let data = try JSONText.data(body)
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every error a handler throws into a problem document: ours as they are, Hummingbird's
/// (unknown route, body too large) with their status, a database that cannot be reached as 503
/// with `Retry-After`, and anything else as a 500 whose detail says only that it was logged.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    /// Values that must never be logged (keys, passwords from the environment).
    let secrets: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as Hummingbird.HTTPError {
            let code = error.status == .notFound ? "not_found" : error.status == .contentTooLarge ? "too_large" : "http_error"
            let detail = error.status == .notFound ? "no such resource: \(request.method) \(request.uri.path)" : error.body ?? error.status.reasonPhrase
            return try Problem(error.status, code, detail, headers: error.headers).response(from: request, context: context)
        } catch let error as StoreError where error.isConnectionLost {
            logger.warning("database unreachable", metadata: ["path": "\(request.uri.path)"])
            return try Problem(.serviceUnavailable, "unavailable", "the job store cannot be reached; try again shortly",
                               headers: [.retryAfter: "5"]).response(from: request, context: context)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(scrub(String(describing: error), secrets: secrets))"])
            return try Problem(.internalServerError, "internal", "the server failed to answer this request; the error was logged")
                .response(from: request, context: context)
        }
    }
}
