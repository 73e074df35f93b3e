import ArgumentParser
import Logging
import Providers

/// `runner transcribe AUDIO... --out DIR`: transcripts and captions through Rev.ai, an
/// OpenAI-compatible server, or the local engine (each file whole, in one request).
struct TranscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe", abstract: "Transcribe audio files: transcript.json, transcript.txt, captions.srt, captions.vtt per input.")

    @Argument(help: "Audio files.") var audio: [String]
    @Option(name: .long, help: "Output directory (one sub-folder per input).") var out: String
    @Option(help: "revai | openai | local") var engine: String = "revai"
    @Option(help: "Language code, e.g. en.") var language: String?
    @Option(help: "Inputs transcribed at once.") var concurrency: Int = 4

    func validate() throws {
        guard !audio.isEmpty else { throw ValidationError("give at least one audio file") }
        guard TranscriberKind(rawValue: engine) != nil else { throw ValidationError("--engine must be revai, openai or local") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        let logger = Logger(label: "runner.transcribe")
        let environment = ProviderEnvironment()
        var local: LocalWhisperEngine?
        let transcriber: any Transcriber
        if engine == "local", environment.optional("LOCAL_WHISPER_BASE_URL") == nil {
            guard let installation = LocalWhisperInstallation.find(environment: environment) else {
                throw ValidationError("the local transcription engine is not installed: run scripts/setup.sh (it makes .venv-whisper/)")
            }
            local = LocalWhisperEngine(installation: installation, logger: logger)
            do { transcriber = try await local!.transcriber(logger: logger) } catch {
                await local?.shutdown()
                throw error
            }
        } else {
            transcriber = try TranscriberKind(rawValue: engine)!.make(environment: environment, logger: logger)
        }
        let outcomes = await TranscribeJob.run(
            inputs: audio, outputDirectory: out, transcriber: transcriber, language: language, concurrency: concurrency, logger: logger)
        await local?.shutdown()
        for outcome in outcomes {
            print(outcome.error.map { "\(outcome.input): FAILED: \($0)" } ?? "\(outcome.input): \(outcome.words) words -> \(outcome.directory)")
        }
        let failed = outcomes.filter { $0.error != nil }.count
        print("\(outcomes.count - failed) of \(outcomes.count) transcribed")
        if failed > 0 { throw ExitCode(1) }
    }
}
