import FakeProviders
import Foundation
import Logging
import MediaCore
import Testing
@testable import Pipeline
@testable import Providers

/// One client, hence one limiter, per provider per process: four transcribe jobs of eight chunks
/// each, run at once by one worker, never have more than the provider's limit in flight.
@Suite(.serialized)
struct ProviderLimitTests {
    enum Provider: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case revai, openai, gemini
        var testDescription: String { rawValue }
        var service: FakeService {
            switch self {
            case .revai: .revai
            case .openai: .openai
            case .gemini: .gemini
            }
        }
    }

    @Test(arguments: Provider.allCases)
    func fourJobsOfEightChunksKeepOneLimitOfThree(provider: Provider) async throws {
        var configuration = FakeProviders.Configuration()
        configuration.revai.pollsUntilDone = 0
        let fakes = try await FakeProviders.start(configuration)
        fakes.setLatency(.milliseconds(60), for: provider.service)
        let run = try await Self.transcribeJobs(4, seconds: 40, fakes: fakes, limits: ["revai": 3, "openai": 3, "gemini": 3],
                                                transcriber: provider == .revai ? "revai" : "openai", gemini: provider == .gemini)
        await fakes.shutdown()
        #expect(run.counts == [.succeeded: 4], "\(run.errors)")
        #expect(run.chunks == 32)
        let stats = fakes.stats(provider.service)
        print("provider limit \(provider): \(stats.calls) calls, peak \(stats.peakConcurrency) in flight (limit 3)")
        // Rev.ai: submit, poll, transcript per chunk; OpenAI: one request; Gemini: summary,
        // embeddings and translation per job.
        #expect(stats.calls >= (provider == .gemini ? 12 : 32), "\(stats.callsByRoute)")
        #expect(stats.peakConcurrency <= 3, "\(provider): \(stats.peakConcurrency) requests in flight at once")
        if provider != .gemini { #expect(stats.peakConcurrency == 3, "32 chunks waiting should fill the limit") }
    }

    struct Run {
        var counts: [JobStatus: Int]
        var chunks: Int
        var errors: [String]
    }

    /// Enqueues `count` transcribe jobs of a `seconds`-long tone (5 s chunks) and runs them at
    /// once in one in-process worker whose services carry `limits`.
    static func transcribeJobs(_ count: Int, seconds: Double, fakes: FakeProviders, limits: [String: Int], transcriber: String,
                               gemini: Bool) async throws -> Run {
        let root = TestEnvironment.scratchDirectory().appendingPathComponent("limits-\(UUID().uuidString.prefix(8))").path
        let storage = try LocalStorage(root: root + "/out")
        let wav = root + "/tone.wav"
        try await Self.writeTone(seconds: seconds, to: wav)
        _ = try await storage.put(file: wav, key: "inputs/tone/tone.wav")
        let env = ProviderEnvironment([
            "REVAI_ACCESS_TOKEN": fakes.keys.revai, "REVAI_BASE_URL": fakes.baseURL,
            "OPENAI_API_KEY": fakes.keys.openai, "OPENAI_BASE_URL": fakes.openAIBaseURL,
            "GEMINI_API_KEY": fakes.keys.gemini, "GEMINI_BASE_URL": fakes.baseURL,
        ])
        let logger = Logger(label: "test")
        let providers = ProviderClients(environment: env, limits: ProviderLimits(limits), logger: logger)
        let services = WorkflowServices(storage: storage, environment: env, logger: logger, scratch: root + "/scratch", providers: providers)
        var registry = WorkflowRegistry.builtIn
        registry.registerMediaWorkflows(services)
        let store = try await openJobStore(url: "sqlite:" + root + "/state.sqlite")
        try await store.migrate()
        var ids: [UUID] = []
        for index in 0..<count {
            let input = TranscribeInput(sourceKey: "inputs/tone/tone.wav", name: "tone-\(index).wav", transcriber: transcriber,
                                        chunkSeconds: 5, summarize: gemini ? true : nil, translateTo: gemini ? "fr" : nil)
            ids.append(try await store.enqueue(EnqueueRequest(workflow: "transcribe", input: try JSON(encoding: input)), source: "test").jobID)
        }
        var configuration = WorkerConfiguration()
        configuration.concurrency = count
        configuration.exitWhenIdle = true
        configuration.pollInterval = .milliseconds(50)
        configuration.retryBaseDelay = .milliseconds(50)
        try await Worker(store: store, registry: registry, configuration: configuration, logger: logger).run()
        var chunks = 0
        var errors: [String] = []
        for id in ids {
            chunks += try await store.assets(of: id).filter { $0.kind == "chunk" }.count
            if let error = try await store.job(id)?.error { errors.append(error) }
        }
        let run = Run(counts: try await store.counts(), chunks: chunks, errors: errors)
        await store.close()
        return run
    }

    /// A mono 16 kHz 440 Hz tone as WAV (no silence: the chunker cuts every 5 s).
    static func writeTone(seconds: Double, to path: String) async throws {
        let rate = 16_000
        let samples = (0..<Int(seconds * Double(rate))).map { Float(0.3 * sin(2 * Double.pi * 440 * Double($0) / Double(rate))) }
        try await MediaAudio.write(PCMAudio(samples: samples, sampleRate: rate), to: path, format: .wav)
    }
}
