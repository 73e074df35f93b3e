import Foundation

/// What `runner process` did with each file.
package struct BatchReport: Codable, Sendable {
    package struct File: Codable, Sendable {
        package var path: String
        package var workflow: String?
        /// A job status (`succeeded`, `dead`, …) or `skipped` for a file no workflow takes.
        package var status: String
        package var jobID: String?
        /// False when the job existed already (the file was enqueued by an earlier run).
        package var newJob: Bool
        package var error: String?
        package var manifest: String?
        package var skippedSteps: [SkippedStep]
        package var seconds: Double?
        /// Wall seconds of each top-level step of the job's last run of it (fan-outs: first item start to join).
        package var stepSeconds: [String: Double] = [:]
        /// The engine that transcribed a recording (`revai`, `openai`, `local`); nil: not transcribed.
        package var transcriber: String?

        enum CodingKeys: String, CodingKey {
            case path, workflow, status, jobID = "job_id", newJob = "new_job", error, manifest
            case skippedSteps = "skipped_steps", seconds, stepSeconds = "step_seconds", transcriber
        }
    }

    package var output: String
    package var database: String
    package var files: [File]
    package var elapsedSeconds: Double
    /// The run was stopped by SIGINT or SIGTERM: unfinished jobs were released to the queue.
    package var interrupted = false

    enum CodingKeys: String, CodingKey { case output, database, files, elapsedSeconds = "elapsed_seconds", interrupted }

    /// True when every file that had a workflow succeeded.
    package var succeeded: Bool { files.allSatisfy { $0.status == "succeeded" || $0.status == "skipped" } }

    /// A fixed-width table: file, workflow, status, detail.
    package func table() -> String {
        let rows = files.map { file -> [String] in
            var detail = file.error ?? file.manifest ?? ""
            if file.error == nil, let engine = file.transcriber { detail += "  (transcribed by \(engine))" }
            if file.error == nil, let first = file.skippedSteps.first {
                detail += "  (skipped \(file.skippedSteps.map(\.step).joined(separator: ", ")): set \(first.enableWith))"
            }
            let earlier = !file.newJob && file.jobID != nil
            let status = file.status + (earlier ? " (earlier run)" : "")
            if earlier, file.status == "dead" || file.status == "cancelled", let id = file.jobID {
                // A rerun finds the same job (same content and options): say how to run it again.
                detail += "  (run it again: runner retry \(id.prefix(8)), or runner process --retry-failed)"
            }
            return [file.path, file.workflow ?? "-", status, detail]
        }
        let header = ["file", "workflow", "status", "outputs / error"]
        let widths = (0..<3).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            (0..<3).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row[3]
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
