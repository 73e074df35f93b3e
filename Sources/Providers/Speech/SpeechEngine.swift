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

    /// Builds the engine from the environment (keys, base URLs).
    /// - Throws: `ProviderError(.missingConfiguration)` naming the missing variable.
    package func make(environment: ProviderEnvironment, logger: Logger, client: HTTPClient = .shared) throws -> any SpeechEngine {
        switch self {
        case .espeak:
            return EspeakSpeech(rate: environment.optional("ESPEAK_RATE").flatMap(Int.init) ?? 175)
        case .gemini:
            return GeminiSpeech(client: GeminiClient(configuration: try .init(environment: environment), logger: logger, client: client))
        case .google:
            return GoogleSpeech(client: GoogleTTSClient(configuration: try .init(environment: environment), logger: logger, client: client))
        case .openai:
            return OpenAISpeech(client: OpenAIClient(configuration: try .init(environment: environment), logger: logger, client: client))
        }
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
    package func synthesize(_ text: String, voice: String?) async throws -> PCMAudio {
        try await client.speak(text, voice: voice ?? "Kore")
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
