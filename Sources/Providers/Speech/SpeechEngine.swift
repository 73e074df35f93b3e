import Foundation
import Logging

/// Text to speech, whatever the engine: espeak-ng in process, Gemini, Google Cloud TTS or an
/// OpenAI-compatible server. All return `PCMAudio`, so callers handle one format.
public protocol SpeechEngine: Sendable {
    /// `espeak`, `gemini`, `google` or `openai`.
    var name: String { get }
    /// - Throws: `ProviderError`.
    func synthesize(_ text: String, voice: String?) async throws -> PCMAudio
}

/// The engines `runner speak --engine` accepts.
public enum SpeechEngineKind: String, CaseIterable, Sendable {
    case espeak, gemini, google, openai

    /// Builds the engine from the environment (keys, base URLs), for one-off commands; processes
    /// that run jobs build their `ProviderClients` once and ask it.
    /// - Throws: `ProviderError(.missingConfiguration)` naming the missing variable.
    package func make(environment: ProviderEnvironment, logger: Logger, client: HTTPClient = .shared) throws -> any SpeechEngine {
        try ProviderClients(environment: environment, logger: logger, http: client).speech(self)
    }
}

package struct EspeakSpeech: SpeechEngine {
    package var rate: Int
    package let name = "espeak"
    package func synthesize(_ text: String, voice: String?) async throws -> PCMAudio {
        try await EspeakEngine(voice: voice ?? "en", rate: rate).synthesize(text)
    }
}

package struct GeminiSpeech: SpeechEngine {
    package var client: GeminiClient
    package let name = "gemini"
    /// Long text goes in sentence-aligned pieces: one very long answer risks a cut-off.
    package static let maxCharacters = 3000

    package func synthesize(_ text: String, voice: String?) async throws -> PCMAudio {
        var audio: PCMAudio?
        for chunk in TextSplitter.split(text, limit: Self.maxCharacters, measure: .characters) {
            let part = try await client.speak(chunk, voice: voice ?? "Kore")
            if audio == nil { audio = part } else { try audio!.append(part, provider: "gemini") }
        }
        guard let audio else { throw ProviderError(.invalidInput, provider: "gemini", message: "no text to synthesise") }
        return audio
    }
}

package struct GoogleSpeech: SpeechEngine {
    package var client: GoogleTTSClient
    package let name = "google"
    package func synthesize(_ text: String, voice: String?) async throws -> PCMAudio {
        try await client.synthesizeAudio(text, voice: voice)
    }
}

package struct OpenAISpeech: SpeechEngine {
    package var client: OpenAIClient
    package let name = "openai"
    package func synthesize(_ text: String, voice: String?) async throws -> PCMAudio {
        try await client.speechAudio(text, voice: voice ?? "alloy")
    }
}
