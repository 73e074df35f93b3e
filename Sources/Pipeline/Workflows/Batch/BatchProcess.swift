import Crypto
import Foundation
import MediaCore
import Logging
import Providers
import ServiceLifecycle

/// `runner process DIR`: one job per file (narrate for text, transcribe for audio/video),
/// enqueued idempotently (the unique key hashes the content, the workflow and its options),
/// run by an in-process worker, with progress lines and a report.
package struct BatchProcess: Sendable {
    package struct Options: Sendable {
        package var inputDirectory: String
        /// Excluded from the scan when it lies inside the input folder.
        package var localOutput: String?
        package var databaseURL: String
        /// Run a worker in this process (always true for SQLite).
        package var work = true
        package var concurrency = 2
        package var engine = "espeak"
        package var voice: String?
        package var maxInputChars = 500_000
        /// Target narration segment size (capped by the engine's limit).
        package var segmentChars: Int?
        /// Integrated loudness of narrated audio, LUFS (nil: −18).
        package var loudnessTarget: Double?
        /// `revai`, `openai`, `local`, `none`, or nil to pick from the environment.
        package var transcriber: String?
        package var chunkSeconds: Double?
        /// Chunks of one recording sent to speech-to-text at once (nil: 8).
        package var chunkConcurrency: Int?
        package var language: String?
        /// Captions also translated into this language with Gemini (`--translate-to`).
        package var translateTo: String?
        /// Narration style (`--style`): educational, financial (Gemini rewrites) or fictional.
        package var style: String?
        /// `--segments N`: Gemini proposes about N titled sections (chapters) of a narrated text.
        package var segments: Int?
        /// `--pictures N`: pictures spread over a narration's segments (0: none).
        package var pictures = 0
        /// `--max-pictures`: the most pictures a text may ask for.
        package var maxPictures = 20
        /// `--image-engine`: gemini or imagen.
        package var imageEngine = "gemini"
        /// `--image-aspect`: 16:9, 1:1, …
        package var imageAspect = "16:9"
        /// `--retry-failed`: queue again the jobs an earlier run left dead or cancelled.
        package var retryFailed = false

        package init(inputDirectory: String, localOutput: String?, databaseURL: String) {
            self.inputDirectory = inputDirectory
            self.localOutput = localOutput
            self.databaseURL = databaseURL
        }
    }

    package let options: Options
    package let services: WorkflowServices

    package init(options: Options, services: WorkflowServices) {
        self.options = options
        self.services = services
    }

    /// The transcriber chosen by flag, else by `TRANSCRIBER`, else by which key the environment
    /// holds, else the local engine when it is installed (`services.localWhisper`).
    package func transcriberName() -> String? {
        if let flag = options.transcriber ?? services.environment.optional("TRANSCRIBER") { return flag == "none" ? nil : flag }
        if services.environment.optional("REVAI_ACCESS_TOKEN") != nil { return "revai" }
        if services.environment.optional("OPENAI_API_KEY") != nil { return "openai" }
        if services.localWhisper != nil { return "local" }
        return nil
    }

    /// Runs everything. `progress` receives each job's enqueueing and end as a message, and the
    /// batch's files, steps and audio seconds whenever they change.
    package func run(progress: @escaping @Sendable (BatchEvent) -> Void) async throws -> BatchReport {
        let started = ContinuousClock.now
        let store = try await openJobStore(url: options.databaseURL)
        defer { Task { await store.close() } }
        try await store.migrate()
        var files: [BatchReport.File] = []
        var jobs: [(index: Int, id: UUID)] = []
        for entry in try BatchClassifier.entries(in: options.inputDirectory, excluding: options.localOutput) {
            let shown = Self.printable(entry.name)
            if let problem = entry.problem {
                files.append(.init(path: shown, workflow: nil, status: problem.status, jobID: nil, newJob: false,
                                   error: problem.reason, manifest: nil, skippedSteps: []))
                progress(.message("\(problem.status == "failed" ? "failed " : "skipped ") \(shown): \(problem.reason)"))
                continue
            }
            guard let workflow = entry.workflow else {
                files.append(.init(path: shown, workflow: nil, status: "skipped", jobID: nil, newJob: false,
                                   error: "not a text, audio or video file", manifest: nil, skippedSteps: []))
                progress(.message("skipped  \(shown): not a text, audio or video file"))
                continue
            }
            // One input that cannot be stored or enqueued fails alone; the others still run.
            // A database that cannot be written stops the run: nothing else could be recorded.
            do {
                let (input, key) = try await prepare(paths: entry.paths, name: entry.name, workflow: workflow)
                let result = try await store.enqueue(EnqueueRequest(workflow: workflow, input: input, uniqueKey: key), source: "runner-process")
                var newJob = result.created
                if !result.created, options.retryFailed, let earlier = try await store.job(result.jobID),
                    earlier.status == .dead || earlier.status == .cancelled,
                    case .done = try await store.retry(jobID: result.jobID, source: "runner-process")
                {
                    progress(.message("retrying \(shown): job \(result.jobID.uuidString.lowercased().prefix(8)) was \(earlier.status.rawValue) after an earlier run"))
                    newJob = true  // it runs in this batch
                }
                files.append(.init(path: shown, workflow: workflow, status: "queued", jobID: result.jobID.uuidString.lowercased(),
                                   newJob: newJob, error: nil, manifest: nil, skippedSteps: []))
                jobs.append((files.count - 1, result.jobID))
                progress(.message("\(newJob ? "enqueued" : "found   ") \(workflow) \(shown) (job \(result.jobID.uuidString.lowercased().prefix(8)))"))
            } catch let error as StoreError where error.isUnwritable {
                throw error
            } catch {
                let reason = Self.describe(error)
                files.append(.init(path: shown, workflow: workflow, status: "failed", jobID: nil, newJob: false,
                                   error: reason, manifest: nil, skippedSteps: []))
                progress(.message("failed   \(shown): \(reason)"))
            }
        }
        if let engine = services.localWhisper, transcriberName() == "local" {
            for (index, id) in jobs where files[index].workflow == "transcribe" {
                guard try await !(store.job(id)?.status.isFinal ?? true) else { continue }
                // Load the model while the recordings are probed and chunked; a failed start is
                // tried again (and reported) by the first chunk's transcription.
                Task { _ = try? await engine.configuration() }
                break
            }
        }
        let ids = jobs.map(\.id)
        let names = jobs.map { files[$0.index].path }
        let watcher = Task { await watch(store: store, jobs: ids, names: names, started: started, progress: progress) }
        defer { watcher.cancel() }
        if options.work {
            var registry = WorkflowRegistry.builtIn
            registry.registerMediaWorkflows(services)
            var configuration = WorkerConfiguration()
            configuration.concurrency = max(1, options.concurrency)
            configuration.exitWhenIdle = true
            configuration.pollInterval = .milliseconds(200)
            configuration.retryBaseDelay = .milliseconds(500)
            // On SIGINT/SIGTERM (run inside a ServiceGroup): stop claiming, give running jobs a
            // little time, then release them to the queue for the next run.
            configuration.shutdownGrace = .seconds(5)
            if options.databaseURL.hasPrefix("sqlite:") {
                // One process owns an embedded database: a job left running by a killed run is
                // taken back sooner than the default (not quicker than 30 s: the whole test suite on
                // a 2-core machine stalled this process's own heartbeats for 4, then 10 s, and its
                // running narrations were rescued from under it and died).
                configuration.rescueAfter = .seconds(30)
            }
            try await Worker(store: store, registry: registry, configuration: configuration, logger: services.logger).run()
        }
        let interrupted = Task.isShuttingDownGracefully
        while !interrupted {  // without a local worker: wait for the fleet
            var open = false
            for job in jobs where !(try await store.job(job.id)?.status.isFinal ?? true) { open = true }
            if !open { break }
            try await Task.sleep(for: .milliseconds(500))
            if Task.isShuttingDownGracefully { break }
        }
        if interrupted || Task.isShuttingDownGracefully {
            watcher.cancel()
        } else {
            await watcher.value  // its last pass reports every job's end
        }
        for (index, id) in jobs {
            guard let job = try await store.job(id) else { continue }
            files[index].status = job.status.rawValue
            files[index].error = job.error.flatMap(Self.errorText)
            files[index].manifest = job.output.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8))["manifest"] }
            files[index].seconds = job.finishedAt.map { $0.timeIntervalSince(job.createdAt) }
            for step in try await store.steps(of: id) where !step.name.contains("/") {
                if let start = step.startedAt, let end = step.finishedAt { files[index].stepSeconds[step.name] = end.timeIntervalSince(start) }
            }
            if files[index].workflow == "transcribe", let input = try? JSON(text: job.input).decode(TranscribeInput.self) {
                files[index].transcriber = input.transcriber
                files[index].skippedSteps = Self.skipped(input)
                if options.translateTo != nil, input.translateTo == nil, input.transcriberKind != nil {
                    files[index].skippedSteps.append(SkippedStep(step: "translate", reason: "no Gemini key", enableWith: "GEMINI_API_KEY"))
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        var report = BatchReport(output: services.storage.uri(for: "jobs/"), database: DatabaseURL.redact(options.databaseURL), files: files,
                                 elapsedSeconds: Double(elapsed.nanoseconds) / 1e9)
        report.interrupted = interrupted || Task.isShuttingDownGracefully
        return report
    }

    static func skipped(_ input: TranscribeInput) -> [SkippedStep] {
        if input.transcriberKind == nil {
            return ["transcribe", "summarize", "embed"].map {
                SkippedStep(step: $0, reason: "no speech-to-text provider",
                            enableWith: "REVAI_ACCESS_TOKEN or OPENAI_API_KEY, or install the local engine with scripts/setup.sh")
            }
        }
        if input.summarize != true {
            return ["summarize", "embed"].map { SkippedStep(step: $0, reason: "no Gemini key", enableWith: "GEMINI_API_KEY") }
        }
        return []
    }

    /// A file name as printed: newlines, tabs and other control characters escaped, so that one
    /// name cannot break a line of the report.
    static func printable(_ name: String) -> String {
        guard name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return name }
        return name.unicodeScalars.map { scalar -> String in
            guard scalar.properties.generalCategory == .control else { return String(scalar) }
            switch scalar {
            case "\n": return "\\n"
            case "\t": return "\\t"
            case "\r": return "\\r"
            default: return String(format: "\\x%02X", scalar.value)
            }
        }.joined()
    }

    /// A name a store key can hold: control characters (newline, tab…) become `_`.
    static func storableName(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.map { $0.properties.generalCategory == .control ? "_" : $0 }))
    }

    /// An error in plain words for the report.
    static func describe(_ error: any Error) -> String {
        if let failure = error as? StepFailure { return failure.message }
        if let error = error as? CocoaError {
            return "cannot read \(((error.filePath ?? "the file") as NSString).lastPathComponent): \(plainFileReason(error))"
        }
        return "\(error)"
    }

    static func errorText(_ json: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return json }
        let step = (object["step"] as? String).map { " in \($0)" } ?? ""
        return "\(object["code"] as? String ?? "error")\(step): \(object["message"] as? String ?? "")"
    }

    /// Stores each file under `inputs/<sha256>/<name>` and builds the job input and unique key
    /// (several paths: a multi-file upload, one transcription with the files as chapters).
    func prepare(paths: [String], name: String, workflow: String) async throws -> (JSON, String) {
        var parts: [SourcePart] = []
        for path in paths {
            let digest = try await runOnDedicatedThread(name: "storage") { try FileDigest.sha256(path: path) }
            let fileName = Self.storableName((path as NSString).lastPathComponent)
            let sourceKey = "inputs/\(digest.hex)/\(fileName)"
            if try await services.storage.head(key: sourceKey) == nil {
                _ = try await services.storage.put(file: path, key: sourceKey)
            }
            parts.append(SourcePart(sourceKey: sourceKey, name: fileName))
        }
        let input: JSON
        if workflow == "narrate" {
            input = try JSON(encoding: NarrateInput(sourceKey: parts[0].sourceKey, name: parts[0].name, engine: options.engine, voice: options.voice,
                                                   maxInputChars: options.maxInputChars, segmentChars: options.segmentChars,
                                                   style: options.style, loudnessTarget: options.loudnessTarget,
                                                   segments: options.segments, picturesCount: options.pictures > 0 ? options.pictures : nil,
                                                   imageEngine: options.pictures > 0 ? options.imageEngine : nil,
                                                   imageAspect: options.pictures > 0 ? options.imageAspect : nil,
                                                   maxPictures: options.pictures > 0 ? options.maxPictures : nil))
        } else {
            let transcriber = transcriberName()
            input = try JSON(encoding: TranscribeInput(
                sourceKey: parts[0].sourceKey, name: paths.count > 1 ? Self.storableName(name) : parts[0].name, transcriber: transcriber,
                language: options.language, chunkSeconds: options.chunkSeconds,
                summarize: transcriber != nil && services.environment.optional("GEMINI_API_KEY") != nil,
                parts: paths.count > 1 ? parts : nil, chunkConcurrency: options.chunkConcurrency,
                translateTo: transcriber != nil && services.environment.optional("GEMINI_API_KEY") != nil ? options.translateTo : nil))
        }
        let material = "media-workflows-v1\n\(workflow)\n\(input.text)"
        let key = SHA256.hash(data: Data(material.utf8)).map { String(format: "%02x", $0) }.joined()
        return (input, key)
    }

    /// Reports the batch every half second (progress) and each job's end (a message). Only jobs
    /// that are not final yet are read again: the store sees at most a few queries per tick.
    func watch(store: any JobStore, jobs: [UUID], names: [String], started: ContinuousClock.Instant,
               progress: @Sendable (BatchEvent) -> Void) async {
        var states: [UUID: JobProgress] = [:]
        while !Task.isCancelled {
            for (i, id) in jobs.enumerated() where !(states[id]?.status.isFinal ?? false) {
                guard let job = try? await store.job(id) else { continue }
                let steps = job.status == .queued ? [] : (try? await store.steps(of: id)) ?? []
                let state = JobProgress(job: job, steps: steps)
                if state.status.isFinal {
                    let error = job.error.flatMap(Self.errorText).map { ": " + $0 } ?? ""
                    let took = job.finishedAt.map { String(format: " (%.1f s)", $0.timeIntervalSince(job.createdAt)) } ?? ""
                    progress(.message("\(job.status.rawValue) \(job.workflow) \(names[i])\(job.status == .succeeded ? took : error)"))
                }
                states[id] = state
            }
            // Every tick, so the elapsed time moves during a long step; the display throttles what it prints.
            progress(.progress(JobProgress.sum(states.values, files: jobs.count, elapsed: Double((ContinuousClock.now - started).nanoseconds) / 1e9)))
            if states.count == jobs.count, states.values.allSatisfy({ $0.status.isFinal }) { return }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}
