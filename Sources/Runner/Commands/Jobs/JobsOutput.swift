import Foundation
import Pipeline

/// Printing of jobs, steps and events for humans and for `--json`.
enum JobsOutput {
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// A stored JSON text as a value to embed (not a string).
    static func embed(_ text: String?) -> Any {
        guard let text, let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        else { return NSNull() }
        return value
    }

    static func job(_ job: Job) -> [String: Any] {
        [
            "id": job.id.uuidString.lowercased(), "queue": job.queue, "workflow": job.workflow,
            "status": job.status.rawValue, "priority": job.priority, "attempts": job.attempts,
            "max_attempts": job.maxAttempts, "run_at": time(job.runAt), "unique_key": job.uniqueKey ?? NSNull(),
            "input": embed(job.input), "output": embed(job.output), "error": embed(job.error),
            "locked_by": job.lockedBy ?? NSNull(), "heartbeat_at": job.heartbeatAt.map(time) ?? NSNull(),
            "progress": ["steps_done": job.stepsDone, "steps_total": job.stepsTotal, "fraction": job.progress],
            "created_at": time(job.createdAt), "updated_at": time(job.updatedAt),
            "finished_at": job.finishedAt.map(time) ?? NSNull(),
        ]
    }

    static func step(_ step: StepRecord) -> [String: Any] {
        [
            "name": step.name, "index": step.index, "status": step.status.rawValue, "attempts": step.attempts,
            "output": embed(step.output), "error": embed(step.error),
            "started_at": step.startedAt.map(time) ?? NSNull(), "finished_at": step.finishedAt.map(time) ?? NSNull(),
        ]
    }

    static func event(_ event: Event) -> [String: Any] {
        [
            "id": event.id, "job_id": event.jobID.uuidString.lowercased(), "at": time(event.at), "type": event.type,
            "source": event.source, "step": event.step ?? NSNull(), "payload": embed(event.payload),
        ]
    }

    /// Left-aligned columns.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

func printJSON(_ value: Any) {
    let data = (try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
        ?? Data("null".utf8)
    print(String(decoding: data, as: UTF8.self))
}
