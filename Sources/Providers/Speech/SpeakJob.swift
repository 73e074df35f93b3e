import Foundation
import Logging
import MediaCore

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
        _ = try AudioOutput.fileFormat(format)  // fail before paying for synthesis
        let text = try readText(textFile, provider: engine.rawValue)
        guard !text.trimmingWhitespace().isEmpty else {
            throw ProviderError(.invalidInput, provider: engine.rawValue, message: "\(textFile) contains no text")
        }
        let speech = try engine.make(environment: environment, logger: logger)
        logger.info("synthesising", metadata: ["provider": "\(engine.rawValue)", "characters": "\(text.count)"])
        let audio = try await speech.synthesize(text, voice: voice)
        try await AudioOutput.write(audio, to: output, format: format)
        return Result(engine: engine.rawValue, output: output, duration: audio.duration, sampleRate: audio.sampleRate, characters: text.count)
    }

    /// The UTF-8 text of `path`, refusing what is not a readable regular file (a FIFO would
    /// block) with the input's name and a plain reason.
    /// - Throws: `ProviderError(.invalidInput)`.
    static func readText(_ path: String, provider: String) throws -> String {
        do {
            try checkReadableRegularFile(path)
        } catch let error as MediaError {
            throw ProviderError(.invalidInput, provider: provider, message: "cannot read \(path): \(error.reason)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ProviderError(.invalidInput, provider: provider, message: "cannot read \(path): \(plainFileReason(error))")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ProviderError(.invalidInput, provider: provider, message: "\(path) is not UTF-8 text; convert it to UTF-8 first")
        }
        return text
    }
}
