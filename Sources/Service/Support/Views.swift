import Basics
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Pipeline

/// JSON answers: objects built from the store's rows, in the OpenAPI document's shapes.
enum JSONResponse {
    static func make(_ object: Any, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try JSONText.data(object)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func noContent() -> Response { Response(status: .noContent) }
}

enum Views {
    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func time(_ date: Date?) -> Any { date.map { timeFormat.format($0) } ?? NSNull() }

    /// Parses `2026-12-04T10:00:00Z` with or without fractional seconds.
    static func parseTime(_ text: String) -> Date? {
        (try? timeFormat.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    /// A stored JSON text as an object for the answer (nil → null).
    static func object(_ text: String?) -> Any {
        guard let text, let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        else { return NSNull() }
        return value
    }

    static func id(_ id: UUID) -> String { id.uuidString.lowercased() }

    /// A job as `GET /v1/jobs` lists it.
    static func job(_ job: Job) -> [String: Any] {
        let base = "/v1/jobs/\(id(job.id))"
        var links: [String: Any] = ["self": base, "events": base + "/events"]
        switch job.status {
        case .queued, .retrying, .running: links["cancel"] = base + "/cancel"
        case .dead, .cancelled: links["retry"] = base + "/retry"
        case .succeeded: break
        }
        if job.status.isFinal { links["rerun"] = base + "/rerun" }
        return [
            "id": id(job.id), "workflow": job.workflow, "status": job.status.rawValue, "priority": job.priority,
            "queue": job.queue, "attempts": job.attempts, "max_attempts": job.maxAttempts, "trigger": job.trigger,
            "progress": ["steps_done": job.stepsDone, "steps_total": job.stepsTotal, "fraction": job.progress] as [String: Any],
            "error": object(job.error), "metadata": object(job.metadata), "input": object(job.input),
            "created_at": time(job.createdAt), "updated_at": time(job.updatedAt), "run_at": time(job.runAt),
            "finished_at": time(job.finishedAt), "links": links,
        ]
    }

    /// A job with its steps, current step, output and assets, as `GET /v1/jobs/{id}` shows it.
    static func jobDetail(_ job: Job, steps: [StepRecord], assets: [Asset]) -> [String: Any] {
        var view = self.job(job)
        view["output"] = object(job.output)
        view["current_step"] = steps.last(where: { $0.status == .running })?.name ?? NSNull()
        view["steps"] = steps.map { step -> [String: Any] in
            var duration: Any = NSNull()
            if let start = step.startedAt, let end = step.finishedAt { duration = end.timeIntervalSince(start) }
            return ["name": step.name, "index": step.index, "status": step.status.rawValue, "attempts": step.attempts,
                    "started_at": time(step.startedAt), "finished_at": time(step.finishedAt), "duration_seconds": duration,
                    "error": object(step.error)]
        }
        view["assets"] = assets.map(asset)
        if var progress = view["progress"] as? [String: Any], ["narrate", "transcribe"].contains(job.workflow) {
            let audio = JobProgress(job: job, steps: steps)
            if job.workflow == "narrate" {
                progress["audio_seconds_done"] = audio.audioNarrated
            } else {
                progress["audio_seconds_done"] = audio.audioTranscribed
                progress["audio_seconds_total"] = audio.audioToTranscribe > 0 ? audio.audioToTranscribe : NSNull()
            }
            view["progress"] = progress
        }
        if job.status.isFinal, job.status != .cancelled {
            view["duration_seconds"] = job.finishedAt.map { $0.timeIntervalSince(job.createdAt) } ?? NSNull()
        }
        return view
    }

    static func asset(_ asset: Asset) -> [String: Any] {
        let assetID = AssetID.make(job: asset.jobID, uri: asset.uri)
        let name = asset.uri.split(separator: "/").last.map(String.init) ?? asset.kind
        return [
            "id": assetID, "job_id": id(asset.jobID), "kind": asset.kind, "step": asset.step, "name": name,
            "bytes": asset.bytes, "sha256": asset.sha256, "content_type": asset.contentType, "meta": object(asset.meta),
            "links": ["self": "/v1/assets/\(assetID)", "content": "/v1/assets/\(assetID)/content"],
        ]
    }

    static func event(_ event: Event) -> [String: Any] {
        ["id": event.id, "job_id": id(event.jobID), "type": event.type, "at": time(event.at), "source": event.source,
         "step": event.step ?? NSNull(), "payload": object(event.payload)]
    }

    static func uploadSession(_ session: UploadSession) -> [String: Any] {
        let received = session.files.reduce(Int64(0)) { $0 + $1.bytes }
        var progress: Any = NSNull()
        if let expected = session.expectedBytes, expected > 0 { progress = min(1, Double(received) / Double(expected)) }
        return [
            "id": id(session.id), "created_at": time(session.createdAt),
            "expected_files": session.expectedFiles ?? NSNull(), "expected_bytes": session.expectedBytes ?? NSNull(),
            "received_files": session.files.count, "received_bytes": received, "progress": progress,
            "files": session.files.map { file -> [String: Any] in
                ["name": file.name, "bytes": file.bytes, "sha256": file.sha256, "content_type": file.contentType,
                 "created_at": time(file.createdAt)]
            },
            "links": ["self": "/v1/uploads/\(id(session.id))"],
        ]
    }
}
