import ArgumentParser
import Foundation
import Logging
import Pipeline
import Providers
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `runner process DIR`: narrate every text, transcribe every recording, in one command.
struct ProcessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Run the right workflow for every file of a directory (text → narrate, audio/video → transcribe).",
        discussion: """
            Defaults need nothing configured: outputs and the job state (state.sqlite) go to --out \
            (default: DIR/../<DIR>-out), speech is espeak-ng. Transcription uses Rev.ai with \
            REVAI_ACCESS_TOKEN, else an OpenAI-compatible server with OPENAI_API_KEY, else the local \
            engine (faster-whisper, offline) when scripts/setup.sh installed it, else recordings are probed \
            and chunked only; summaries, tags and embeddings need GEMINI_API_KEY. Run it again after an interruption: it finishes what was left.
            """)

    @Argument(help: "The folder of uploads.") var directory: String
    @Option(help: "Output folder or s3://BUCKET/PREFIX.") var out: String?
    @Option(name: .customLong("database-url"), help: "postgres://… or sqlite:PATH (default: $DATABASE_URL, else sqlite in the output folder).")
    var databaseURL: String?
    @Flag(help: "With a PostgreSQL --database-url: also run jobs in this process (otherwise wait for the workers).") var work = false
    @Option(help: "Speech engine: espeak, google, openai, gemini.") var engine: String = "espeak"
    @Option(help: "Voice name for the speech engine.") var voice: String?
    @Option(help: "Transcriber: revai, openai, local, none (default: $TRANSCRIBER, else from the keys set, else local when installed).")
    var transcriber: String?
    @Option(help: "Longest chunk sent to speech-to-text, in seconds.") var chunkSeconds: Double?
    @Option(help: "Chunks of one recording sent to speech-to-text at once (default 8).") var chunkConcurrency: Int?
    @Option(help: "Language code for transcription.") var language: String?
    @Option(name: .customLong("translate-to"), help: "Also translate the captions into this language with Gemini (e.g. fr).")
    var translateTo: String?
    @Option(help: "Narration style: educational or financial (Gemini rewrites each segment; financial adds a disclaimer), fictional (as written).")
    var style: String?
    @Option(help: "Narration: Gemini splits the text into about N titled sections, each a chapter (needs GEMINI_API_KEY).")
    var segments: Int?
    @Option(help: "Narration: pictures spread over the segments (0: none), each drawn from a Gemini image prompt in the style (needs GEMINI_API_KEY).")
    var pictures: Int = 0
    @Option(help: "Most pictures a text may ask for.") var maxPictures: Int = 20
    @Option(help: "Image model: gemini or imagen.") var imageEngine: String = "gemini"
    @Option(help: "Pictures' aspect ratio: 16:9, 1:1, 4:3, 3:4, 9:16 (gemini also 2:3, 3:2, 4:5, 5:4, 21:9).") var imageAspect: String = "16:9"
    @Option(help: "Longest text accepted, in characters.") var maxInputChars: Int = 500_000
    @Option(help: "Target narration segment size in characters (capped by the engine's limit).") var segmentChars: Int?
    @Option(help: "Integrated loudness of narrated audio in LUFS (EBU R128).") var loudnessTarget: Double = -18
    @Option(help: "Speech requests in flight at once per remote engine (the provider limit).") var speechConcurrency: Int = 8
    @Option(help: "Jobs run at once.") var concurrency: Int = 2
    @OptionGroup var limits: ProviderLimitOptions
    @Option(help: "S3 endpoint URL (with --out s3://…).") var endpoint: String?
    @Flag(help: "Queue again the files whose job an earlier run left dead or cancelled (otherwise they are reported as they are).")
    var retryFailed = false
    @Flag(help: "Print the report as JSON.") var json = false
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard SpeechEngineKind(rawValue: engine) != nil else { throw ValidationError("--engine must be one of espeak, google, openai, gemini") }
        let chosen = transcriber ?? ProcessInfo.processInfo.environment["TRANSCRIBER"].flatMap { $0.isEmpty ? nil : $0 }
        if let chosen, !["revai", "openai", "local", "none"].contains(chosen) {
            throw ValidationError("--transcriber (or TRANSCRIBER) must be revai, openai, local or none")
        }
        if chosen == "local", ProcessInfo.processInfo.environment["LOCAL_WHISPER_BASE_URL"] == nil, LocalWhisperInstallation.find() == nil {
            throw ValidationError("the local transcription engine is not installed: run scripts/setup.sh (it makes .venv-whisper/)")
        }
        if let style, NarrationStyle(rawValue: style) == nil {
            throw ValidationError("--style must be educational, financial or fictional")
        }
        if let segments, segments < 1 || segments > 100 { throw ValidationError("--segments must be between 1 and 100") }
        guard maxPictures >= 0 else { throw ValidationError("--max-pictures must be 0 or more") }
        guard pictures >= 0 else { throw ValidationError("--pictures must be 0 or more") }
        guard pictures <= maxPictures else {
            throw ValidationError("--pictures \(pictures) is over the limit of \(maxPictures) (raise --max-pictures to allow more)")
        }
        guard let kind = ImageEngineKind(rawValue: imageEngine) else { throw ValidationError("--image-engine must be gemini or imagen") }
        guard kind.aspectRatios.contains(imageAspect) else {
            throw ValidationError("--image-aspect \(imageAspect) is not one \(imageEngine) draws: \(kind.aspectRatios.joined(separator: ", "))")
        }
        if let translateTo, translateTo.range(of: "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$", options: .regularExpression) == nil {
            throw ValidationError("--translate-to must be a language code such as fr or pt-BR")
        }
        guard maxInputChars > 0, concurrency > 0 else { throw ValidationError("--max-input-chars and --concurrency must be positive") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(directory) is not a directory")
        }
    }

    func run() async throws {
        defer { ScratchSpace.removeProcessFolder() }  // a killed run's is removed by the next start
        let display = json ? nil : ProgressDisplay()
        var logLines: (@Sendable (String) -> Void)?
        if let display { logLines = { display.handle(.message($0), to: .standardError) } }
        let logger = global.makeLogger("runner.process", lines: logLines)
        let input = URL(fileURLWithPath: directory).standardizedFileURL
        let output = out ?? input.deletingLastPathComponent().appendingPathComponent(input.lastPathComponent + "-out").path
        var (services, localOutput) = try WorkflowServices.forOutput(output, endpoint: endpoint, logger: logger,
                                                                     speechConcurrency: speechConcurrency,
                                                                     providerLimits: try limits.resolved())
        // Started by the first recording that needs it, stopped when the batch ends.
        services.localWhisper = LocalWhisperInstallation.find().map { LocalWhisperEngine(installation: $0, logger: logger) }
        let shared = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        let database = shared ?? "sqlite:" + (localOutput.map { $0 + "/state.sqlite" } ?? "./runner-state.sqlite")
        var options = BatchProcess.Options(inputDirectory: input.path, localOutput: localOutput, databaseURL: database)
        options.work = shared == nil || database.hasPrefix("sqlite:") || work
        options.concurrency = concurrency
        options.engine = engine
        options.voice = voice
        options.maxInputChars = maxInputChars
        options.segmentChars = segmentChars
        options.loudnessTarget = loudnessTarget
        options.transcriber = transcriber
        options.chunkSeconds = chunkSeconds
        options.chunkConcurrency = chunkConcurrency
        options.language = language
        options.translateTo = translateTo
        options.style = style
        options.segments = segments
        options.pictures = pictures
        options.maxPictures = maxPictures
        options.imageEngine = imageEngine
        options.imageAspect = imageAspect
        options.retryFailed = retryFailed
        let batch = BatchProcess(options: options, services: services)
        // SIGINT and SIGTERM stop it as they stop `runner worker`: no new job is started, running
        // ones get a few seconds, the rest go back to the queue, and the summary is printed.
        let run = BatchRun(batch: batch, display: display)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: run, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
            await services.localWhisper?.shutdown()
        } catch {
            await services.localWhisper?.shutdown()
            throw error
        }
        guard let report = run.report.withLock({ $0 }) else { throw ExitCode(1) }
        display?.finish()
        if json {
            print(try jsonString(report))
        } else {
            print("")
            print(report.table())
            print("\nOutputs: \(report.output)<job_id>/  (\(String(format: "%.1f", report.elapsedSeconds)) s)")
        }
        if report.interrupted {
            printError("interrupted: unfinished jobs went back to the queue; run the same command again to resume them")
            throw ExitCode(130)
        }
        if !report.succeeded { throw ExitCode(1) }
    }
}

/// `runner process`'s batch as a service of its `ServiceGroup`, so that signals reach the worker.
private final class BatchRun: Service, Sendable {
    let batch: BatchProcess
    let display: ProgressDisplay?
    let report = Mutex<BatchReport?>(nil)

    init(batch: BatchProcess, display: ProgressDisplay?) {
        self.batch = batch
        self.display = display
    }

    func run() async throws {
        let display = display
        let result = try await batch.run { event in display?.handle(event) }
        report.withLock { $0 = result }
    }
}
