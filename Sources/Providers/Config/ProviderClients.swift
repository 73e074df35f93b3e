import Logging

/// Every provider client of a process, built once from the environment: one client, hence one
/// limiter, per provider, shared by every job and step (DESIGN "Who owns what at run time").
/// A provider whose key is missing keeps the error, thrown when something asks for it.
package struct ProviderClients: Sendable {
    package let revai: Result<RevAIClient, ProviderError>
    package let openai: Result<OpenAIClient, ProviderError>
    package let gemini: Result<GeminiClient, ProviderError>
    package let google: Result<GoogleTTSClient, ProviderError>
    package let espeak: EspeakSpeech
    /// An OpenAI-compatible recogniser already running at `LOCAL_WHISPER_BASE_URL`; the runner's
    /// own one comes from `LocalWhisperEngine.transcriber(logger:)` instead.
    package let local: Result<OpenAIClient, ProviderError>
    /// The limits given (`--provider-limit`, `PROVIDER_LIMITS`); others keep the client defaults.
    package let limits: ProviderLimits

    /// - Parameters:
    ///   - limits: requests in flight per provider; with `fleet`, the same limits hold across
    ///     every process sharing it.
    ///   - speechConcurrency: the limit of the speech providers (Gemini, Cloud TTS, OpenAI)
    ///     that `limits` does not name.
    package init(environment: ProviderEnvironment = ProviderEnvironment(), limits: ProviderLimits = ProviderLimits(),
                 speechConcurrency: Int? = nil, fleet: (any FleetSlots)? = nil, logger: Logger, http: HTTPClient = .shared) {
        self.limits = limits
        func limited(_ provider: String, _ current: ProviderLimiter.Limits) -> ProviderLimiter.Limits {
            var out = current
            if let limit = limits[provider] {
                out.maxConcurrent = limit
                out.fleet = fleet.map { FleetLimit(name: provider, limit: limit, slots: $0) }
            } else if let speechConcurrency, provider != "revai" {
                out.maxConcurrent = max(1, speechConcurrency)
            }
            return out
        }
        revai = Result {
            var configuration = try RevAIClient.Configuration(environment: environment)
            configuration.limits = limited("revai", configuration.limits)
            return RevAIClient(configuration: configuration, logger: logger, client: http)
        }.mapError(Self.providerError)
        openai = Result {
            var configuration = try OpenAIClient.Configuration(environment: environment)
            configuration.limits = limited("openai", configuration.limits)
            return OpenAIClient(configuration: configuration, logger: logger, client: http)
        }.mapError(Self.providerError)
        gemini = Result {
            var configuration = try GeminiClient.Configuration(environment: environment)
            configuration.limits = limited("gemini", configuration.limits)
            return GeminiClient(configuration: configuration, logger: logger, client: http)
        }.mapError(Self.providerError)
        google = Result {
            var configuration = try GoogleTTSClient.Configuration(environment: environment)
            configuration.limits = limited("google", configuration.limits)
            return GoogleTTSClient(configuration: configuration, logger: logger, client: http)
        }.mapError(Self.providerError)
        local = Result {
            OpenAIClient(configuration: OpenAIClient.Configuration(
                apiKey: environment.optional("LOCAL_WHISPER_TOKEN") ?? "local",
                baseURL: try environment.require("LOCAL_WHISPER_BASE_URL", provider: "local")), logger: logger, client: http)
        }.mapError { $0 as? ProviderError ?? ProviderError(.missingConfiguration, provider: "local", message: "\($0)") }
        espeak = EspeakSpeech(rate: environment.optional("ESPEAK_RATE").flatMap(Int.init) ?? 175)
    }

    private static func providerError(_ error: any Error) -> ProviderError {
        error as? ProviderError ?? ProviderError(.missingConfiguration, provider: "config", message: "\(error)")
    }

    /// The transcriber of `kind` on this process's client.
    /// - Throws: `ProviderError(.missingConfiguration)` naming the missing variable.
    package func transcriber(_ kind: TranscriberKind) throws -> any Transcriber {
        switch kind {
        case .revai: RevAITranscriber(client: try revai.get())
        case .openai: OpenAITranscriber(client: try openai.get())
        case .local: OpenAITranscriber(client: try local.get(), engine: "local")
        }
    }

    /// The speech engine of `kind` on this process's client.
    /// - Throws: `ProviderError(.missingConfiguration)` naming the missing variable.
    package func speech(_ kind: SpeechEngineKind) throws -> any SpeechEngine {
        switch kind {
        case .espeak: espeak
        case .gemini: GeminiSpeech(client: try gemini.get())
        case .google: GoogleSpeech(client: try google.get())
        case .openai: OpenAISpeech(client: try openai.get())
        }
    }
}

extension ProviderClients {
    /// Requests in flight at once for the speech engine `kind` (its client's limit; 1 for
    /// espeak-ng, which is serial in process).
    package func maxConcurrent(_ kind: SpeechEngineKind) -> Int {
        switch kind {
        case .espeak: 1
        case .gemini: (try? gemini.get().configuration.limits.maxConcurrent) ?? 1
        case .google: (try? google.get().configuration.limits.maxConcurrent) ?? 1
        case .openai: (try? openai.get().configuration.limits.maxConcurrent) ?? 1
        }
    }
}

extension ProviderClients {
    /// The model and voice a segment of `kind` is spoken with (`voice` when given, else the
    /// engine's default), as the audio assets record them.
    package func speechIdentity(_ kind: SpeechEngineKind, voice: String?) -> (model: String, voice: String) {
        switch kind {
        case .espeak: ("espeak-ng", voice ?? "en")
        case .gemini: ((try? gemini.get().configuration.ttsModel) ?? "gemini", voice ?? "Kore")
        case .google:
            ("cloud-tts", voice ?? (try? google.get().configuration.voiceName).flatMap { $0 }
                ?? "default \((try? google.get().configuration.languageCode) ?? "") voice")
        case .openai: ((try? openai.get().configuration.speechModel) ?? "openai", voice ?? "alloy")
        }
    }
}
