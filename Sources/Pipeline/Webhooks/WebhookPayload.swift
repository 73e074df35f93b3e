import Basics
import Foundation

/// The body of a delivery: `{"type", "timestamp", "data": {"event", "job", "step"?, "assets"?}}`.
/// `job` is the job as it is when the delivery is made; `assets` (with their API links) come
/// with `job.succeeded`.
enum WebhookPayload {
    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func body(event: Event, job: Job, steps: [StepRecord], assets: [Asset]) throws -> Data {
        let jobID = job.id.uuidString.lowercased()
        var jobView: [String: Any] = [
            "id": jobID, "status": job.status.rawValue, "workflow": job.workflow, "trigger": job.trigger,
            "attempts": job.attempts, "max_attempts": job.maxAttempts, "metadata": object(job.metadata), "error": object(job.error),
            "created_at": time(job.createdAt), "finished_at": time(job.finishedAt),
            "links": ["self": "/v1/jobs/\(jobID)", "events": "/v1/jobs/\(jobID)/events"],
        ]
        if job.status == .succeeded { jobView["output"] = object(job.output) }
        var data: [String: Any] = [
            "event": ["id": event.id, "type": event.type, "at": time(event.at), "payload": object(event.payload)] as [String: Any],
            "job": jobView,
        ]
        if let name = event.step {
            let step = steps.first { $0.name == name }
            data["step"] = [
                "name": name, "status": step?.status.rawValue ?? NSNull(), "attempts": step?.attempts ?? NSNull(),
                "started_at": time(step?.startedAt), "finished_at": time(step?.finishedAt), "error": object(step?.error),
            ] as [String: Any]
        }
        if event.type == "job.succeeded" {
            data["assets"] = assets.map { asset -> [String: Any] in
                let id = AssetID.make(job: asset.jobID, uri: asset.uri)
                return ["id": id, "kind": asset.kind, "step": asset.step, "bytes": asset.bytes, "sha256": asset.sha256,
                        "content_type": asset.contentType,
                        "links": ["self": "/v1/assets/\(id)", "content": "/v1/assets/\(id)/content"]]
            }
        }
        let body: [String: Any] = ["type": event.type, "timestamp": time(event.at), "data": data]
        return try JSONText.data(body)
    }

    private static func time(_ date: Date?) -> Any { date.map { timeFormat.format($0) } ?? NSNull() }

    private static func object(_ text: String?) -> Any {
        guard let text, let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        else { return NSNull() }
        return value
    }
}
