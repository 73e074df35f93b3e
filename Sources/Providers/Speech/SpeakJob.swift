import Foundation
import Logging

/// `runner speak`: text file in, audio file out, through any `SpeechEngine`.
package enum SpeakJob {
    package struct Result: Sendable {
        package var engine: String
        package var output: String
        package var duration: Double
        package var sampleRate: Int
        package var characters: Int
    }

    /// Reads `textFile`, synthesises it with `engine` and writes `output` in `format`.
    /// - Throws: `ProviderError` (missing key, provider failure, unsupported format), or a file error.
    package static func run(
        textFile: String, output: String, engine: SpeechEngineKind, voice: String?, format: String,
        environment: ProviderEnvironment = ProviderEnvironment(), logger: Logger
    ) async throws -> Result {
        let text = try String(contentsOfFile: textFile, encoding: .utf8)
        guard !text.trimmingWhitespace().isEmpty else {
            throw ProviderError(.invalidInput, provider: engine.rawValue, message: "\(textFile) contains no text")
        }
        let speech = try engine.make(environment: environment, logger: logger)
        logger.info("synthesising", metadata: ["provider": "\(engine.rawValue)", "characters": "\(text.count)"])
        let audio = try await speech.synthesize(text, voice: voice)
        try AudioOutput.write(audio, to: output, format: format)
        return Result(engine: engine.rawValue, output: output, duration: audio.duration, sampleRate: audio.sampleRate, characters: text.count)
    }
}
