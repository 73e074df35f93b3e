import Foundation

/// What `runner process` reports while it runs.
package enum BatchEvent: Sendable {
    /// A line worth keeping: a job enqueued or found, a file finished or failed.
    case message(String)
    /// The whole batch now: redrawn as a progress bar on a terminal.
    case progress(BatchProgress)
}

/// Files, steps and audio seconds of a batch, summed over its jobs.
package struct BatchProgress: Sendable {
    package var files = 0
    package var filesFinished = 0
    package var filesFailed = 0
    package var stepsDone = 0
    package var stepsTotal = 0
    /// Seconds of recordings transcribed (chunked only, without a transcriber), of those probed so far.
    package var audioTranscribed = 0.0
    package var audioToTranscribe = 0.0
    /// Seconds of speech synthesised so far.
    package var audioNarrated = 0.0
    package var elapsedSeconds = 0.0
    /// Sum over files of each one's share done (a finished file 1, a running one its steps done
    /// over its steps), so the bar moves inside long files too.
    package var filesProgress = 0.0

    /// 0…1.
    package var fraction: Double { files > 0 ? min(1, filesProgress / Double(files)) : 1 }
}

/// One job's share of `BatchProgress`, read from its job row and its steps' checkpointed outputs.
package struct JobProgress {
    var status: JobStatus
    var stepsDone = 0
    var stepsTotal = 0
    package var audioTranscribed = 0.0
    package var audioToTranscribe = 0.0
    package var audioNarrated = 0.0

    package init(job: Job, steps: [StepRecord]) {
        status = job.status
        stepsDone = job.stepsDone
        stepsTotal = job.stepsTotal
        let succeeded = steps.filter { $0.status == .succeeded }
        func output<T: Decodable>(_ name: String, as type: T.Type) -> T? {
            succeeded.first { $0.name == name }?.output.flatMap { try? JSONDecoder().decode(T.self, from: Data($0.utf8)) }
        }
        switch job.workflow {
        case "transcribe":
            struct Probe: Decodable { var duration: Double }
            struct Span: Decodable { var start: Double; var end: Double }
            audioToTranscribe = output("probe", as: Probe.self)?.duration ?? 0
            let chunks = output("chunk", as: [Span].self) ?? []
            let transcribes = (try? JSON(text: job.input).decode(TranscribeInput.self))?.transcriberKind != nil
            if job.status == .succeeded || (!transcribes && !chunks.isEmpty) {
                audioTranscribed = audioToTranscribe
            } else {
                for step in succeeded where step.name.hasPrefix("transcribe/") {
                    if let i = Int(step.name.dropFirst("transcribe/".count)), chunks.indices.contains(i) {
                        audioTranscribed += chunks[i].end - chunks[i].start
                    }
                }
            }
        case "narrate":
            struct Clip: Decodable { var duration: Double }
            for step in succeeded where step.name.hasPrefix("synthesize/") {
                audioNarrated += step.output.flatMap { try? JSONDecoder().decode(Clip.self, from: Data($0.utf8)) }?.duration ?? 0
            }
        default: break
        }
    }

    static func sum(_ jobs: some Collection<JobProgress>, files: Int, elapsed: Double) -> BatchProgress {
        var total = BatchProgress(files: files, elapsedSeconds: elapsed)
        for job in jobs {
            if job.status.isFinal { total.filesFinished += 1 }
            total.filesProgress += job.status.isFinal ? 1 : job.stepsTotal > 0 ? Double(job.stepsDone) / Double(job.stepsTotal) : 0
            if job.status == .dead || job.status == .cancelled { total.filesFailed += 1 }
            total.stepsDone += job.stepsDone
            total.stepsTotal += job.stepsTotal
            total.audioTranscribed += job.audioTranscribed
            total.audioToTranscribe += job.audioToTranscribe
            total.audioNarrated += job.audioNarrated
        }
        return total
    }
}
