import Foundation
import Hummingbird
import Pipeline

extension APIServer {
    var taskRoutes: [APIRoute] {
        [
            APIRoute(.post, "/v1/tasks/process-pending", .write) { _, context in try await processPending(try context.caller.tenant) },
        ]
    }

    /// Enqueues a transcribe job for each of the tenant's upload sessions that has files and no
    /// job (at most 100 a call), with all its files in name order. Each session is marked with
    /// its job in the transaction that enqueues it, so concurrent calls enqueue it once.
    private func processPending(_ tenant: String) async throws -> Response {
        var jobs: [[String: Any]] = []
        var skipped: [[String: Any]] = []
        for session in try await triggers.pendingUploadSessions(tenant: tenant, limit: 100) {
            let files = session.files.map(\.name).sorted()
            let body: [String: Any] = ["workflow": "transcribe", "input": ["upload_id": Views.id(session.id), "files": files]]
            let input: JSON
            do {
                input = try await workflowInput(try JobRequest(parsing: try JSONSerialization.data(withJSONObject: body)), tenant: tenant)
            } catch let problem as Problem {
                skipped.append(["upload_id": Views.id(session.id), "reason": problem.detail])
                continue
            }
            var enqueue = EnqueueRequest(workflow: "transcribe", input: input)
            enqueue.tenant = tenant
            enqueue.trigger = "process-pending"
            enqueue.uniqueKey = Self.digest(["upload-session", Views.id(session.id)])
            enqueue.metadata = try JSON(encoding: ["upload_id": Views.id(session.id)])
            guard let result = try await triggers.enqueue(enqueue, forUploadSession: session.id, source: "api"), result.created,
                  let job = try await store.job(result.jobID, tenant: tenant)
            else { continue }
            jobs.append(Views.job(job))
        }
        return try JSONResponse.make(["jobs": jobs, "skipped": skipped])
    }
}
