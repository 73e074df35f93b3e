import FakeProviders
import Foundation
import Logging
import MediaCore
import Testing
@testable import Pipeline
@testable import Providers

/// Narration with the fake Cloud TTS through `runner process`'s library entry point: every
/// segment costs one request, the speech cache (same store, new state) makes a rerun free and a
/// text sharing half its sentences pays only for the new ones, the provider limit holds, and
/// each published segment mp3 decodes to the length of speech its text asked for.
@Suite(.serialized)
struct NarrateSpeechCacheTests {
    typealias E2E = ProcessEndToEndTests
    static let route = "POST /v1/text:synthesize"
    static let providerLimit = 3

    /// Sentences of 70–110 characters: with 120-character segments, each sentence is one segment.
    static let shared = [
        "The keeper climbed the iron stairs each evening to light the lamp above the bay.",
        "Ships passing in the dark counted the flashes and knew exactly where the rocks lay.",
        "In winter the spray froze on the glass, and he scraped it clear with a wooden blade.",
        "His daughter kept the log, writing the weather and every vessel in a careful hand.",
    ]
    static let endingA = [
        "One night the lamp failed, and they turned the great lens by hand until the dawn came.",
        "A fishing boat came home safely that morning, its crew never knowing how close it was.",
        "Years later an engine replaced the clockwork, and the keeper's cottage stood empty.",
        "The log books are kept in the town museum now, open at the page of that long night.",
    ]
    static let endingB = [
        "Summer brought visitors who asked to see the lens, and he showed them every prism.",
        "Children pressed their faces to the glass and laughed at the rainbows on the walls.",
        "When the storms returned in autumn, the visitors left and the island was quiet again.",
        "He wrote to his brother that the light had never once gone dark in thirty years.",
    ]

    struct Setup {
        let root: String
        let fakes: FakeProviders
        var output: String { root + "/out" }
        var services: WorkflowServices {
            let env = ProviderEnvironment(["GOOGLE_API_KEY": fakes.keys.google, "GOOGLE_TTS_BASE_URL": fakes.baseURL])
            let logger = Logger(label: "test")
            let providers = ProviderClients(environment: env, speechConcurrency: NarrateSpeechCacheTests.providerLimit, logger: logger)
            return WorkflowServices(storage: try! LocalStorage(root: output), environment: env, logger: logger,
                                    scratch: root + "/scratch", providers: providers)
        }
        var requests: Int { fakes.stats(.googleTTS).callsByRoute[NarrateSpeechCacheTests.route] ?? 0 }

        /// Narrates `text` as `name` with its own input folder and the state database `state`.
        func narrate(_ name: String, _ text: String, state: String) async throws -> BatchReport.File {
            let input = root + "/in-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: input + "/" + name))
            var options = BatchProcess.Options(inputDirectory: input, localOutput: output, databaseURL: "sqlite:\(root)/\(state).sqlite")
            options.engine = "google"
            options.segmentChars = 120
            let report = try await BatchProcess(options: options, services: services).run { _ in }
            let file = try #require(report.files.first)
            #expect(file.status == "succeeded", "\(name): \(file.error ?? "")")
            return file
        }
    }

    static func setUp() async throws -> Setup {
        let root = NSTemporaryDirectory() + "narrate-cache-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return Setup(root: root, fakes: try await FakeProviders.start())
    }

    static func text(_ sentences: [String]) -> String {
        sentences[..<4].joined(separator: " ") + "\n\n" + sentences[4...].joined(separator: " ") + "\n"
    }

    static func number(_ manifest: E2E.Manifest, _ key: String) -> Double? {
        if case .number(let value) = manifest.summary[key] { return value }
        return nil
    }

    static func manifest(_ setup: Setup, _ file: BatchReport.File) throws -> E2E.Manifest {
        try E2E.manifest(E2E.Run(input: "", output: setup.output, fakes: setup.fakes), file)  // also checks every checksum
    }

    @Test func aTextCostsOneRequestPerSegmentAndARerunWithTheSameStoreCostsNone() async throws {
        let setup = try await Self.setUp()
        let sentences = Self.shared + Self.endingA
        let first = try await setup.narrate("keeper.txt", Self.text(sentences), state: "state")
        let manifest = try Self.manifest(setup, first)
        let segments = manifest.assets.filter { $0.kind == "segment_audio" }
        #expect(segments.count == sentences.count)
        #expect(setup.requests == sentences.count)
        #expect(Self.number(manifest, "segments_from_cache") == 0)
        let stats = setup.fakes.stats(.googleTTS)
        #expect(stats.peakConcurrency <= Self.providerLimit && stats.peakConcurrency >= 2, "peak \(stats.peakConcurrency)")

        // Each segment's mp3 decodes to the speech its sentence asked for (the fake speaks
        // 60 ms per letter or space, 180 ms per punctuation mark).
        for segment in segments {
            let index = try #require(Int(segment.key.split(separator: "/")[3]))
            let sentence = sentences[index]
            let expected = sentence.reduce(0.0) { $0 + ($1.isPunctuation && !$1.isLetter ? 0.18 : 0.06) }
            let decoded = try E2E.decodedSeconds(setup.output + "/" + segment.key)
            #expect(abs(decoded - expected) < 0.05, "segment \(index): \(decoded) s, expected \(expected) s")
        }

        // Same text, same store, fresh state: a new job whose every clip comes from the cache.
        let again = try await setup.narrate("keeper.txt", Self.text(sentences), state: "state-2")
        #expect(again.newJob && again.jobID != first.jobID)
        let rerun = try Self.manifest(setup, again)
        #expect(setup.requests == sentences.count, "a rerun sent \(setup.requests - sentences.count) requests")
        #expect(Self.number(rerun, "segments_from_cache") == Double(sentences.count))
        #expect(rerun.assets.filter { $0.kind == "segment_audio" }.count == sentences.count)
        await setup.fakes.shutdown()
    }

    @Test func aTextSharingHalfItsSentencesPaysOnlyForTheNewOnes() async throws {
        let setup = try await Self.setUp()
        _ = try await setup.narrate("a.txt", Self.text(Self.shared + Self.endingA), state: "state")
        #expect(setup.requests == 8)
        let second = try await setup.narrate("b.txt", Self.text(Self.shared + Self.endingB), state: "state")
        #expect(setup.requests == 8 + Self.endingB.count)
        let manifest = try Self.manifest(setup, second)
        #expect(Self.number(manifest, "segments_from_cache") == Double(Self.shared.count))
        #expect(manifest.assets.filter { $0.kind == "segment_audio" }.count == 8)
        await setup.fakes.shutdown()
    }
}
