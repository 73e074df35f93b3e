import ArgumentParser
import Foundation
import Logging
import Providers

/// `runner speak TEXTFILE --out FILE`: text to speech with any engine.
struct SpeakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speak", abstract: "Turn a text file into speech (espeak-ng offline, or Gemini, Google Cloud TTS, OpenAI-compatible).")

    @Argument(help: "UTF-8 text file to speak.") var textFile: String
    @Option(name: .long, help: "Audio file to write.") var out: String
    @Option(help: "espeak | gemini | google | openai") var engine: String = "espeak"
    @Option(help: "Voice: espeak-ng voice (en, de…), Gemini voice (Kore…), Cloud TTS name (en-US-Neural2-F), OpenAI voice (alloy…).")
    var voice: String?
    @Option(help: "Output format (default: from the --out extension, else wav).") var format: String?

    func validate() throws {
        guard SpeechEngineKind(rawValue: engine) != nil else {
            throw ValidationError("--engine must be one of: \(SpeechEngineKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let format = format ?? (out.split(separator: ".").count > 1 ? String(out.split(separator: ".").last!) : "wav")
        let result = try await SpeakJob.run(
            textFile: textFile, output: out, engine: SpeechEngineKind(rawValue: engine)!, voice: voice, format: format,
            logger: Logger(label: "runner.speak"))
        print("\(result.output): \(String(format: "%.2f", result.duration)) s of speech (\(result.engine), \(result.sampleRate) Hz, \(result.characters) characters)")
    }
}
