import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Pipeline
import Providers

/// The jobs list, the new-job form and queue health.
extension APIServer {
    // MARK: Jobs

    func jobsPage(_ request: Request, _ user: DashboardUser) async throws -> Response {
        let parameters = request.uri.queryParameters
        let tenant = user.session.tenant
        var query = JobQuery(tenant: tenant, limit: 25)
        var filters: [(String, String)] = []
        let workflow = parameters.get("workflow").map { String($0) } ?? ""
        if !workflow.isEmpty {
            query.workflow = workflow
            filters.append(("workflow", workflow))
        }
        let status = parameters.get("status").map { String($0) } ?? ""
        if !status.isEmpty {
            guard let value = JobStatus(rawValue: status) else { throw Problem.badRequest("status \(status) is not a job status") }
            query.status = value
            filters.append(("status", status))
        }
        let createdAfter = parameters.get("created_after").map { String($0) } ?? ""
        if !createdAfter.isEmpty {
            // A date field sends `2026-12-07`; the API's ISO 8601 times work too.
            guard let date = Views.parseTime(createdAfter) ?? Views.parseTime(createdAfter + "T00:00:00Z") else {
                throw Problem.badRequest("created after: \(createdAfter) is not a date")
            }
            query.createdAfter = date
            filters.append(("created_after", createdAfter))
        }
        if let text = parameters.get("cursor") {
            guard let cursor = JobCursor.parse(String(text)) else { throw Problem.badRequest("the page link is not one this server gave") }
            query.cursor = cursor
        }
        let jobs = try await store.jobs(query)
        var counts: [JobStatus: Int] = [:]
        for row in try await store.queueCounts(tenant: tenant) { counts[row.status, default: 0] += row.count }
        func link(_ extra: [(String, String)]) -> String {
            var components = URLComponents()
            components.path = "/ui/jobs"
            let items = (filters + extra).map { URLQueryItem(name: $0.0, value: $0.1) }
            components.queryItems = items.isEmpty ? nil : items
            return components.string ?? "/ui/jobs"
        }
        var values: [String: Any] = [
            "counts": JobStatus.allCases.map { ["status": $0.rawValue, "count": counts[$0] ?? 0] as [String: Any] },
            "total": counts.values.reduce(0, +),
            "workflowOptions": options(["narrate", "transcribe"], selected: workflow, any: "Any workflow"),
            "statusOptions": options(JobStatus.allCases.map(\.rawValue), selected: status, any: "Any status"),
            "createdAfter": createdAfter,
            "jobs": jobs.map(jobRow),
            "filtered": !filters.isEmpty,
        ]
        if jobs.count == query.limit, let last = jobs.last { values["nextPage"] = link([("cursor", JobCursor.make(last))]) }
        if query.cursor != nil { values["firstPage"] = link([]) }
        return try render("jobs", user: user, title: "Jobs", values)
    }

    private func options(_ values: [String], selected: String, any: String) -> [[String: Any]] {
        [["value": "", "label": any, "selected": selected.isEmpty]]
            + values.map { ["value": $0, "label": $0, "selected": $0 == selected] }
    }

    /// A job as a row of the list (and the head of its page).
    func jobRow(_ job: Job) -> [String: Any] {
        let input = Views.object(job.input) as? [String: Any] ?? [:]
        let id = Views.id(job.id)
        var row: [String: Any] = [
            "id": id, "shortID": String(id.prefix(8)), "name": input["name"] as? String ?? job.workflow,
            "workflow": job.workflow, "status": job.status.rawValue, "queue": job.queue,
            "percent": Int((job.progress * 100).rounded()), "stepsDone": job.stepsDone, "stepsTotal": job.stepsTotal,
            "created": DashboardFormat.time(job.createdAt), "createdISO": DashboardFormat.isoTime(job.createdAt),
            "finishedISO": DashboardFormat.isoTime(job.finishedAt),
            "attempts": job.attempts, "maxAttempts": job.maxAttempts, "trigger": job.trigger,
            "final": job.status.isFinal,
        ]
        if let finished = job.finishedAt { row["finished"] = DashboardFormat.time(finished) }
        return row
    }

    // MARK: New job

    func newJobPage(_ user: DashboardUser, error: String?, form: [String: String], status: HTTPResponse.Status = .ok) throws -> Response {
        let workflow = form["workflow"] ?? "narrate"
        var values: [String: Any] = [
            "workflowOptions": ["narrate", "transcribe"].map { ["value": $0, "selected": $0 == workflow] as [String: Any] },
            "engineOptions": options(SpeechEngineKind.allCases.map(\.rawValue), selected: form["engine"] ?? "", any: "Server default"),
            "styleOptions": options(NarrationStyle.allCases.map(\.rawValue), selected: form["style"] ?? "", any: "None (read as written)"),
            "transcriberOptions": options(TranscriberKind.allCases.map(\.rawValue), selected: form["transcriber"] ?? "", any: "Server default"),
            "text": form["text"] ?? "", "name": form["name"] ?? "",
            "maxUploadBytes": DashboardFormat.bytes(configuration.maxUploadBytes),
        ]
        if let error { values["error"] = error }
        return try render("new", status: status, user: user, title: "New job", values)
    }

    /// The form without script: pasted text becomes a narrate job through the API's own handler
    /// (same checks, same idempotency); then the browser lands on the job's page.
    func createFromForm(_ request: Request, _ context: APIContext, _ user: DashboardUser, _ form: [String: String]) async throws -> Response {
        let text = form["text"] ?? ""
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return try newJobPage(user, error: "Paste a text, or choose files (files need scripts enabled).", form: form,
                                  status: .unprocessableContent)
        }
        var input: [String: Any] = ["text": text]
        if let name = form["name"]?.trimmingCharacters(in: .whitespaces), !name.isEmpty { input["name"] = name }
        var options: [String: Any] = [:]
        if let engine = form["engine"], !engine.isEmpty { options["engine"] = engine }
        if let style = form["style"], !style.isEmpty { options["style"] = style }
        let body = try JSONSerialization.data(withJSONObject: ["workflow": "narrate", "input": input, "options": options])
        guard let route = routes.first(where: { $0.method == .post && $0.path == "/v1/jobs" }) else {
            throw Problem(.internalServerError, "internal", "job creation is not routed")
        }
        var apiContext = context
        apiContext.principal = user.principal
        let apiRequest = Request(head: HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/v1/jobs",
                                                   headerFields: [.contentType: "application/json"]),
                                 body: RequestBody(buffer: ByteBuffer(bytes: body)))
        let response: Response
        do {
            response = try await route.handler(apiRequest, apiContext)
        } catch let problem as Problem {
            return try newJobPage(user, error: problem.detail, form: form, status: problem.status)
        }
        guard let location = response.headers[.location], let id = location.split(separator: "/").last else {
            throw Problem(.internalServerError, "internal", "the job was not created")
        }
        return redirect("/ui/jobs/\(id)")
    }

    // MARK: Queue health

    func healthPage(_ user: DashboardUser) async throws -> Response {
        let tenant = user.session.tenant
        let rows = try await store.queueCounts(tenant: tenant)
        let queues = Array(Set(rows.map(\.queue))).sorted()
        var totals: [JobStatus: Int] = [:]
        for row in rows { totals[row.status, default: 0] += row.count }
        let since = Date().addingTimeInterval(-3600)
        let activity = try await store.activity(tenant: tenant, since: since)
        var deadQuery = JobQuery(tenant: tenant, limit: 50)
        deadQuery.status = .dead
        let dead = try await store.jobs(deadQuery)
        let finished = activity.finished.values.reduce(0, +)
        let values: [String: Any] = [
            "statuses": JobStatus.allCases.map { ["status": $0.rawValue] },
            "queues": queues.map { queue -> [String: Any] in
                ["queue": queue, "cells": JobStatus.allCases.map { status in
                    ["status": status.rawValue, "count": rows.first { $0.queue == queue && $0.status == status }?.count ?? 0] as [String: Any]
                }]
            },
            "totals": JobStatus.allCases.map { ["status": $0.rawValue, "count": totals[$0] ?? 0] as [String: Any] },
            "hasQueues": !queues.isEmpty,
            "finishedHour": finished,
            "succeededHour": activity.finished[.succeeded] ?? 0,
            "deadHour": activity.finished[.dead] ?? 0,
            "cancelledHour": activity.finished[.cancelled] ?? 0,
            "perMinute": String(format: "%.2f", Double(activity.finished[.succeeded] ?? 0) / 60),
            "workers": activity.workers.map { ["id": $0.id, "lastSeen": DashboardFormat.time($0.lastSeen),
                                              "lastSeenISO": DashboardFormat.isoTime($0.lastSeen)] },
            "dead": dead.map { job -> [String: Any] in
                var row = jobRow(job)
                let error = Views.object(job.error) as? [String: Any] ?? [:]
                row["error"] = [error["code"], error["message"]].compactMap { $0 as? String }.joined(separator: ": ")
                return row
            },
        ]
        return try render("health", user: user, title: "Queue health", values)
    }
}
