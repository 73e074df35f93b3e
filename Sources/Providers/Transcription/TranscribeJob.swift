import Basics
import Foundation
import Logging

/// The transcription services `runner transcribe --engine` accepts.
public enum TranscriberKind: String, CaseIterable, Sendable {
    /// `local`: faster-whisper on this machine (`LocalWhisperEngine`), through the OpenAI client.
    case revai, openai, local

    /// Builds the transcriber from the environment, for one-off commands; processes that run
    /// jobs build their `ProviderClients` once and ask it.
    /// - Throws: `ProviderError(.missingConfiguration)` naming the missing variable.
    package func make(environment: ProviderEnvironment, logger: Logger, client: HTTPClient = .shared) throws -> any Transcriber {
        try ProviderClients(environment: environment, logger: logger, http: client).transcriber(self)
    }
}

/// `runner transcribe`: each input becomes `DIR/<name>/transcript.json`, `transcript.txt`,
/// `captions.srt` and `captions.vtt`; inputs run concurrently up to `concurrency`.
package enum TranscribeJob {
    package struct Outcome: Sendable {
        package var input: String
        package var directory: String
        package var words: Int
        package var error: String?
    }

    package static let files = ["transcript.json", "transcript.txt", "captions.srt", "captions.vtt"]

    package static func run(
        inputs: [String], outputDirectory: String, transcriber: any Transcriber, language: String?, concurrency: Int = 4,
        logger: Logger
    ) async -> [Outcome] {
        var outcomes = [Outcome?](repeating: nil, count: inputs.count)
        await withBoundedFanOut(inputs.indices, limit: concurrency) { index in
            (index, await one(inputs[index], index: index, inputs: inputs, outputDirectory, transcriber, language, logger))
        } collect: { index, outcome in
            outcomes[index] = outcome
        }
        return outcomes.compactMap { $0 }
    }

    private static func one(
        _ input: String, index: Int, inputs: [String], _ outputDirectory: String, _ transcriber: any Transcriber,
        _ language: String?, _ logger: Logger
    ) async -> Outcome {
        let stem = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
        // Two inputs with the same name get distinct folders.
        let clash = inputs.enumerated().contains { $0.offset != index && (($0.element as NSString).lastPathComponent as NSString).deletingPathExtension == stem }
        let directory = (outputDirectory as NSString).appendingPathComponent(clash ? "\(stem)-\(index + 1)" : stem)
        do {
            guard FileManager.default.isReadableFile(atPath: input) else {
                throw ProviderError(.invalidInput, provider: "transcribe", message: "cannot read \(input)")
            }
            let transcript = try await transcriber.transcribe(file: input, language: language)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let url = URL(fileURLWithPath: directory)
            try transcript.jsonData().write(to: url.appendingPathComponent("transcript.json"))
            try Data(transcript.plainText().utf8).write(to: url.appendingPathComponent("transcript.txt"))
            try Data(transcript.srt().utf8).write(to: url.appendingPathComponent("captions.srt"))
            try Data(transcript.vtt().utf8).write(to: url.appendingPathComponent("captions.vtt"))
            logger.info("transcribed", metadata: ["input": "\(input)", "words": "\(transcript.words.count)"])
            return Outcome(input: input, directory: directory, words: transcript.words.count)
        } catch {
            logger.error("transcription failed", metadata: ["input": "\(input)", "error": "\(error)"])
            return Outcome(input: input, directory: directory, words: 0, error: "\(error)")
        }
    }
}
