import Foundation
import HTTPTypes
import Hummingbird
import Pipeline
import Providers

extension APIServer {
    var callbackRoutes: [APIRoute] {
        [
            // No API key: the unguessable per-chunk token in the URL authenticates Rev.ai.
            APIRoute(.post, "/v1/callbacks/revai/{token}", .open) { request, context in try await revaiCallback(request, context) },
        ]
    }

    /// Rev.ai's notification (`{"job": {"id", "status", …}}`) for one chunk: recorded once, with
    /// an event that wakes the worker waiting for it. It starts no work, and its body is not
    /// trusted for the result: the worker reads the job and transcript from Rev.ai's API.
    private func revaiCallback(_ request: Request, _ context: APIContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        guard let callbacks = store as? any CallbackStore else {
            throw Problem(.notImplemented, "unsupported", "this job store has no provider callbacks")
        }
        // Checked before the body is read: an unknown or used token learns nothing more.
        let hash = callbackTokenHash(token)
        guard !token.isEmpty, token.count <= 128, try await callbacks.callbackOpen(tokenHash: hash, provider: "revai") else {
            throw Problem.notFound("callback")
        }
        let body = try await requestBody(request, limit: 64 * 1024)
        let job: RevJob
        do { job = try RevJob.fromWebhook(body) } catch {
            throw Problem.badRequest("the body must be Rev.ai's notification: {\"job\": {\"id\": …, \"status\": …}}")
        }
        guard try await callbacks.recordCallback(tokenHash: hash, provider: "revai", providerJobID: job.id, status: job.status.rawValue) != nil else {
            throw Problem.notFound("callback")  // used meanwhile by a concurrent call
        }
        return try JSONResponse.make(["received": true])
    }
}
