import Foundation
import Logging
import Providers
import Synchronization

/// One speech engine per kind for the whole process, so every segment of every job shares the
/// provider's concurrency limit (`maxConcurrent` requests in flight, default 8).
package final class SpeechEngines: Sendable {
    private let engines = Mutex<[SpeechEngineKind: any SpeechEngine]>([:])
    package let maxConcurrent: Int

    package init(maxConcurrent: Int = 8) {
        self.maxConcurrent = max(1, maxConcurrent)
    }

    /// - Throws: `StepFailure` (not retryable) naming the missing variable.
    func engine(_ kind: SpeechEngineKind, services: WorkflowServices) throws -> any SpeechEngine {
        if let engine = engines.withLock({ $0[kind] }) { return engine }
        let made: any SpeechEngine
        do {
            let env = services.environment
            let limits = ProviderLimiter.Limits(maxConcurrent: maxConcurrent)
            switch kind {
            case .google:
                var configuration = try GoogleTTSClient.Configuration(environment: env)
                configuration.limits = limits
                let client = GoogleTTSClient(configuration: configuration, logger: services.logger, client: services.http)
                made = ClientSpeech(name: "google") { try await client.synthesizeAudio($0, voice: $1) }
            case .openai:
                var configuration = try OpenAIClient.Configuration(environment: env)
                configuration.limits = limits
                let client = OpenAIClient(configuration: configuration, logger: services.logger, client: services.http)
                made = ClientSpeech(name: "openai") { try await client.speechAudio($0, voice: $1 ?? "alloy") }
            default:
                made = try kind.make(environment: env, logger: services.logger, client: services.http)
            }
        } catch let error as ProviderError {
            throw StepFailure(code: "missing_configuration", message: error.description, retryable: false)
        }
        return engines.withLock { engines in
            if let existing = engines[kind] { return existing }
            engines[kind] = made
            return made
        }
    }
}

/// A speech engine over a client built here (with this process's concurrency limit).
struct ClientSpeech: SpeechEngine {
    let name: String
    let body: @Sendable (String, String?) async throws -> PCMAudio
    func synthesize(_ text: String, voice: String?) async throws -> PCMAudio { try await body(text, voice) }
}
