import Basics
import FakeProviders
import Foundation
import Logging
import Testing

@testable import Providers

/// Keeps every log line a client writes, so tests can search them for secrets.
final class LogCapture: Sendable {
    private let lines = Locked<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append("\(event.level) \(event.message) \(merged.map { "\($0)=\($1)" }.sorted().joined(separator: " "))")
        }
    }
}

/// The fakes on a random loopback port, plus an environment and logger pointing at them.
struct Fixture {
    let fakes: FakeProviders
    let logs = LogCapture()
    let client = HTTPClient()

    var logger: Logger { logs.logger() }

    var environment: ProviderEnvironment {
        ProviderEnvironment([
            "REVAI_ACCESS_TOKEN": fakes.keys.revai, "GEMINI_API_KEY": fakes.keys.gemini, "GOOGLE_API_KEY": fakes.keys.google,
            "OPENAI_API_KEY": fakes.keys.openai, "REVAI_BASE_URL": fakes.baseURL, "GEMINI_BASE_URL": fakes.baseURL,
            "GOOGLE_TTS_BASE_URL": fakes.baseURL, "OPENAI_BASE_URL": fakes.openAIBaseURL,
        ])
    }

    /// Every secret the fakes accept, for leak checks.
    var secrets: [String] { [fakes.keys.revai, fakes.keys.gemini, fakes.keys.google, fakes.keys.openai] }

    static let fastRetry = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50))

    func revai(_ adjust: (inout RevAIClient.Configuration) -> Void = { _ in }) throws -> RevAIClient {
        var configuration = try RevAIClient.Configuration(environment: environment)
        configuration.retry = Self.fastRetry
        configuration.firstPoll = .milliseconds(20)
        configuration.maxPoll = .milliseconds(50)
        adjust(&configuration)
        return RevAIClient(configuration: configuration, logger: logger, client: client)
    }

    func gemini(_ adjust: (inout GeminiClient.Configuration) -> Void = { _ in }) throws -> GeminiClient {
        var configuration = try GeminiClient.Configuration(environment: environment)
        configuration.retry = Self.fastRetry
        adjust(&configuration)
        return GeminiClient(configuration: configuration, logger: logger, client: client)
    }

    func googleTTS(_ adjust: (inout GoogleTTSClient.Configuration) -> Void = { _ in }) throws -> GoogleTTSClient {
        var configuration = try GoogleTTSClient.Configuration(environment: environment)
        configuration.retry = Self.fastRetry
        adjust(&configuration)
        return GoogleTTSClient(configuration: configuration, logger: logger, client: client)
    }

    func openAI(_ adjust: (inout OpenAIClient.Configuration) -> Void = { _ in }) throws -> OpenAIClient {
        var configuration = try OpenAIClient.Configuration(environment: environment)
        configuration.retry = Self.fastRetry
        adjust(&configuration)
        return OpenAIClient(configuration: configuration, logger: logger, client: client)
    }

    /// A `ProviderHTTP` for the fakes' `/_echo` diagnostics.
    func echoHTTP(retry: RetryPolicy = Fixture.fastRetry, limits: ProviderLimiter.Limits = .init(maxConcurrent: 64)) -> ProviderHTTP {
        ProviderHTTP(provider: "echo", client: client, limiter: ProviderLimiter(limits), retry: retry, logger: logger,
                     secrets: secrets, parseError: ErrorBodies.plain)
    }

    var echoURL: String { fakes.baseURL + "/_echo" }
}

/// Starts the fakes, runs `body`, and always shuts them down.
func withFakes(_ configure: (inout FakeProviders.Configuration) -> Void = { _ in }, _ body: (Fixture) async throws -> Void) async throws {
    var configuration = FakeProviders.Configuration()
    configuration.hangLimit = .seconds(10)
    configure(&configuration)
    let fixture = Fixture(fakes: try await FakeProviders.start(configuration))
    do {
        try await body(fixture)
    } catch {
        await fixture.fakes.shutdown()
        throw error
    }
    await fixture.fakes.shutdown()
}

/// A temporary file holding `data`, removed by the caller.
func temporaryFile(_ data: Data, suffix: String = ".bin") throws -> String {
    let path = NSTemporaryDirectory() + "providers-test-\(UUID().uuidString)\(suffix)"
    try data.write(to: URL(fileURLWithPath: path))
    return path
}

/// A WAV file with a 220 Hz tone of `seconds`.
func toneWAV(seconds: Double, rate: Int = 16_000) -> Data {
    let count = Int(seconds * Double(rate))
    let samples = (0..<count).map { Float(0.3 * sin(2 * Double.pi * 220 * Double($0) / Double(rate))) }
    return WAVCodec.encode(PCMAudio(samples: samples, sampleRate: rate))
}

/// Seconds elapsed while running `body`.
func measure(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    return (ContinuousClock.now - start) / .seconds(1)
}
