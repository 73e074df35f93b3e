import FakeProviders
import Foundation
import Logging
import Testing

@testable import Providers

struct ConfigurationTests {
    @Test(arguments: [
        (SpeechEngineKind.gemini, "GEMINI_API_KEY"), (.google, "GOOGLE_API_KEY"), (.openai, "OPENAI_API_KEY"),
    ])
    func missingKeyNamesTheVariable(engine: SpeechEngineKind, variable: String) throws {
        let error = #expect(throws: ProviderError.self) {
            _ = try engine.make(environment: ProviderEnvironment([:]), logger: Logger(label: "test"))
        }
        #expect(error?.kind == .missingConfiguration)
        #expect(error?.description.contains(variable) == true)
    }

    @Test func missingRevTokenNamesTheVariable() {
        let error = #expect(throws: ProviderError.self) {
            _ = try TranscriberKind.revai.make(environment: ProviderEnvironment(["REVAI_ACCESS_TOKEN": ""]), logger: Logger(label: "test"))
        }
        #expect(error?.description.contains("REVAI_ACCESS_TOKEN") == true)
    }

    @Test func baseURLsFollowTheDesignConventions() throws {
        let environment = ProviderEnvironment(["REVAI_ACCESS_TOKEN": "t", "OPENAI_API_KEY": "k", "REVAI_BASE_URL": "http://127.0.0.1:9/"])
        #expect(try RevAIClient.Configuration(environment: environment).baseURL == "http://127.0.0.1:9")
        #expect(try OpenAIClient.Configuration(environment: environment).baseURL == "https://api.openai.com/v1")
        let gemini = try GeminiClient.Configuration(environment: ProviderEnvironment(["GEMINI_API_KEY": "g"]))
        #expect(gemini.baseURL == "https://generativelanguage.googleapis.com")
        let overridden = try OpenAIClient.Configuration(environment: ProviderEnvironment(["OPENAI_API_KEY": "k", "OPENAI_TTS_MODEL": "kokoro"]))
        #expect(overridden.speechModel == "kokoro")
        #expect(overridden.transcriptionModel == "whisper-1")
    }
}

struct SecretLeakTests {
    /// Drives every client through failures and retries with logging at trace level, then
    /// searches every log line and error description for any key or token.
    @Test func noSecretInLogsOrErrors() async throws {
        try await withFakes { fixture in
            var errors: [String] = []
            func collect(_ body: () async throws -> Void) async {
                do { try await body() } catch { errors.append("\(error)"); errors.append(String(reflecting: error)) }
            }
            fixture.fakes.inject([.status(503), .status(429, retryAfter: "0")], into: .revai)
            fixture.fakes.inject([.status(429, retryDelay: "0.01s"), .dropConnection], into: .gemini)
            fixture.fakes.inject([.status(500)], into: .googleTTS)
            fixture.fakes.inject([.status(503)], into: .openai)
            let rev = try fixture.revai()
            await collect { _ = try await rev.waitForCompletion(try await rev.submit(url: "https://m.example.com/a.mp3").id) }
            await collect { _ = try await fixture.revai { $0.accessToken = fixture.fakes.keys.gemini }.job("x") }
            await collect { _ = try await fixture.gemini().generateText("hello") }
            await collect { _ = try await fixture.gemini { $0.apiKey = fixture.fakes.keys.openai }.generateText("hello") }
            await collect { _ = try await fixture.googleTTS().synthesize("Hi.", encoding: .linear16) }
            await collect { _ = try await fixture.googleTTS { $0.apiKey = fixture.fakes.keys.revai }.synthesize("Hi.", encoding: .linear16) }
            await collect { _ = try await fixture.openAI().speech("Hi", format: "pcm") }
            await collect { _ = try await fixture.openAI { $0.apiKey = fixture.fakes.keys.google }.speech("Hi", format: "pcm") }
            let lines = fixture.logs.all
            #expect(lines.contains { $0.contains("retrying") })  // the retries were logged
            #expect(errors.count >= 8)
            for secret in fixture.secrets {
                for line in lines { #expect(!line.contains(secret), "log line leaks a key: \(line)") }
                for error in errors { #expect(!error.contains(secret), "error leaks a key: \(error)") }
            }
        }
    }

    /// An endpoint or proxy that echoes the key in `x-request-id`: the key must not reach the
    /// error (printed by the runner and stored in the job's row) nor the logs.
    @Test func keyEchoedInRequestIDHeaderIsScrubbed() async throws {
        try await withFakes { fixture in
            var errors: [ProviderError] = []
            func collect(_ body: () async throws -> Void) async {
                do { try await body() } catch let error as ProviderError { errors.append(error) } catch {}
            }
            for service in [FakeService.revai, .gemini, .googleTTS, .openai] { fixture.fakes.inject([.echoKey(401)], into: service) }
            await collect { _ = try await fixture.revai().job("x") }
            await collect { _ = try await fixture.gemini().generateText("hello") }
            await collect { _ = try await fixture.googleTTS().synthesize("Hi.", encoding: .linear16) }
            await collect { _ = try await fixture.openAI().speech("Hi", format: "pcm") }
            #expect(errors.count == 4)
            for error in errors {
                #expect(error.status == 401)
                #expect(error.requestID == "req-[redacted]", "request id kept as sent: \(error.requestID ?? "nil")")
                for secret in fixture.secrets {
                    #expect(!"\(error)".contains(secret) && !String(reflecting: error).contains(secret), "error leaks a key: \(error)")
                    for line in fixture.logs.all { #expect(!line.contains(secret), "log line leaks a key: \(line)") }
                }
            }
        }
    }

    @Test func scrubRemovesSecretsFromServerText() {
        let text = scrub("bad key sk-abcdef123456 given\nagain sk-abcdef123456", secrets: ["sk-abcdef123456"])
        #expect(text == "bad key [redacted] given again [redacted]")
        #expect(scrub("a\u{0}b\u{1B}[31mc", secrets: []) == "a b [31mc")
    }
}
