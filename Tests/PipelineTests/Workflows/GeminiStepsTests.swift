import FakeProviders
import Foundation
import Logging
import Testing
@testable import Pipeline
@testable import Providers

/// The optional Gemini steps (`--translate-to`, `--style`) through `runner process`'s library
/// entry point, with real FFmpeg and espeak-ng and the Rev.ai and Gemini fakes.
@Suite(.serialized)
struct GeminiStepsTests {
    typealias E2E = ProcessEndToEndTests

    /// A fresh input folder holding `files` from the bundled uploads, and fakes.
    static func prepare(_ files: [String]) async throws -> E2E.Run {
        let root = NSTemporaryDirectory() + "gemini-steps-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        for name in files { try FileManager.default.copyItem(atPath: E2E.uploads + "/" + name, toPath: root + "/in/" + name) }
        return E2E.Run(input: root + "/in", output: root + "/out", fakes: try await FakeProviders.start())
    }

    static func process(_ run: E2E.Run, _ configure: (inout BatchProcess.Options) -> Void) async throws -> BatchReport {
        var options = BatchProcess.Options(inputDirectory: run.input, localOutput: run.output, databaseURL: "sqlite:\(run.output)/state.sqlite")
        options.chunkSeconds = 10
        options.segmentChars = 120
        configure(&options)
        return try await BatchProcess(options: options, services: run.services).run { _ in }
    }

    static func generateCalls(_ run: E2E.Run) -> Int { run.fakes.stats(.gemini).callsByRoute["POST :generateContent"] ?? 0 }

    @Test func translatedCaptionsKeepEveryCueTiming() async throws {
        let run = try await Self.prepare(["welcome.mp3"])
        let report = try await Self.process(run) { $0.translateTo = "fr" }
        let file = try #require(report.files.first)
        #expect(file.status == "succeeded", "\(file.error ?? "")")
        let manifest = try E2E.manifest(run, file)  // also checks every asset's bytes and checksum
        let kinds = Set(manifest.assets.map(\.kind))
        #expect(kinds.isSuperset(of: ["captions_srt_fr", "captions_vtt_fr"]))
        let jobDir = run.output + "/jobs/\(file.jobID!)"
        for (captions, format) in [("captions.fr.srt", "srt"), ("captions.fr.vtt", "webvtt")] {
            #expect(try await E2E.shell("ffmpeg", "-v", "error", "-i", jobDir + "/" + captions, "-f", format, "-y", "/dev/null") == 0, "\(captions)")
        }
        let original = try E2E.srtCues(jobDir + "/captions.srt")
        let translated = try E2E.srtCues(jobDir + "/captions.fr.srt")
        #expect(original.count >= 3)
        #expect(translated.count == original.count)
        #expect(zip(original, translated).allSatisfy { $0.start == $1.start && $0.end == $1.end })
        #expect(translated.allSatisfy { cue in !cue.lines.isEmpty && cue.lines.allSatisfy { !$0.isEmpty && $0.count <= 42 } })
        let vttStamps = try String(contentsOfFile: jobDir + "/captions.fr.vtt", encoding: .utf8).split(separator: "\n").filter { $0.contains(" --> ") }
        let originalStamps = try String(contentsOfFile: jobDir + "/captions.vtt", encoding: .utf8).split(separator: "\n").filter { $0.contains(" --> ") }
        #expect(vttStamps == originalStamps)
        // One request for the summary, one for the translation (fewer than 100 cues).
        #expect(Self.generateCalls(run) == 2)
        run.fakes.resetStats()
        let again = try await Self.process(run) { $0.translateTo = "fr" }
        #expect(again.files.first?.newJob == false && Self.generateCalls(run) == 0)
        await run.fakes.shutdown()
    }

    @Test func aTranslationWithTheWrongCueCountIsAnError() async throws {
        let fakes = try await FakeProviders.start()
        let gemini = GeminiClient(configuration: try .init(environment: ProviderEnvironment([
            "GEMINI_API_KEY": fakes.keys.gemini, "GEMINI_BASE_URL": fakes.baseURL,
        ])), logger: .init(label: "test"), client: HTTPClient())
        let three = try await CaptionTranslator.translate(["One.", "Two.", "Three."], to: "de", gemini: gemini)
        #expect(three.count == 3)
        // An answer with another count (or an empty text) fails the step rather than shifting captions.
        let wrongCount = #expect(throws: StepFailure.self) { try CaptionTranslator.checked(["Eins.", "Zwei."], count: 3) }
        #expect(wrongCount?.code == "translation_mismatch" && wrongCount?.retryable == true)
        #expect(throws: StepFailure.self) { try CaptionTranslator.checked(["Eins.", " ", "Drei."], count: 3) }
        #expect(try CaptionTranslator.checked(["Eins.", "Zwei\nund", "Drei."], count: 3) == ["Eins.", "Zwei und", "Drei."])
        await fakes.shutdown()
    }

    /// The segment texts of a narration's `markup.txt`, in order.
    static func markupTexts(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "[[SEGMENT ").dropFirst().map { block in
            // After the SEGMENT line: the `# title` line, then the text up to the IMAGE/AUDIO lines.
            block.split(separator: "\n").dropFirst(2).prefix { !$0.hasPrefix("[[") }.joined(separator: " ")
        }
    }

    /// Rule-based segments of `guide.md` at the tests' segment size: what `script` rewrites.
    static func sourceSegmentCount() throws -> Int {
        let input = NarrateInput(sourceKey: "", name: "guide.md", segmentChars: 120)
        let extracted = try TextExtractor.extract(path: E2E.uploads + "/guide.md", maxCharacters: 500_000)
        return input.segmenter.segments(extracted.chapters).count
    }

    @Test func educationalStyleRewritesEverySegmentOnceAndARerunCallsNothing() async throws {
        let run = try await Self.prepare(["guide.md"])
        let report = try await Self.process(run) { $0.style = "educational" }
        let file = try #require(report.files.first)
        #expect(file.status == "succeeded", "\(file.error ?? "")")
        #expect(file.stepSeconds["script"] != nil && file.stepSeconds["source_segments"] != nil)
        let sources = try Self.sourceSegmentCount()
        #expect(sources >= 2)
        #expect(Self.generateCalls(run) == sources)
        let manifest = try E2E.manifest(run, file)
        #expect(!manifest.assets.filter { $0.kind == "segment_audio" }.isEmpty)
        let texts = try Self.markupTexts(run.output + "/jobs/\(file.jobID!)/markup.txt")
        #expect(texts.count == manifest.assets.filter { $0.kind == "segment_audio" }.count)
        #expect(texts.allSatisfy { !$0.isEmpty && $0.count <= 120 })
        run.fakes.resetStats()
        let again = try await Self.process(run) { $0.style = "educational" }
        #expect(again.files.first?.newJob == false && again.files.first?.status == "succeeded")
        #expect(Self.generateCalls(run) == 0)
        await run.fakes.shutdown()
    }

    @Test func financialStyleEndsWithTheDisclaimerAndFictionalCallsNoModel() async throws {
        let run = try await Self.prepare(["guide.md"])
        let report = try await Self.process(run) { $0.style = "financial" }
        let file = try #require(report.files.first)
        #expect(file.status == "succeeded", "\(file.error ?? "")")
        #expect(Self.generateCalls(run) == (try Self.sourceSegmentCount()))
        let texts = try Self.markupTexts(run.output + "/jobs/\(file.jobID!)/markup.txt")
        #expect(texts.joined(separator: " ").hasSuffix(NarrationStyle.financialDisclaimer), "\(texts.suffix(2))")
        #expect(texts.allSatisfy { $0.count <= 120 })

        let fiction = try await Self.prepare(["guide.md"])
        let told = try await Self.process(fiction) { $0.style = "fictional" }
        let story = try #require(told.files.first)
        #expect(story.status == "succeeded", "\(story.error ?? "")")
        #expect(story.stepSeconds["script"] == nil)
        #expect(Self.generateCalls(fiction) == 0)
        let plain = try Self.markupTexts(fiction.output + "/jobs/\(story.jobID!)/markup.txt")
        #expect(plain.count == (try Self.sourceSegmentCount()))
        #expect(!plain.joined().contains("financial advice"))
        await run.fakes.shutdown()
        await fiction.fakes.shutdown()
    }

    @Test func rewrittenSegmentsAreCutAgainToTheEngineLimit() {
        let segmenter = Segmenter(limit: 60)
        let long = "The first sentence of the rewrite is rather long indeed. A second one follows it closely. "
            + "Averyveryveryveryveryveryveryveryveryveryveryveryveryveryverylongword ends it."
        let source = SegmentPlan(segments: [TextSegment(index: 0, chapter: 0, text: "Short.", pauseAfter: 0.7),
                                            TextSegment(index: 1, chapter: 1, text: "Also short.", pauseAfter: 1.5)],
                                 chapterTitles: [nil, nil], title: nil, limit: 60, measure: .characters)
        var rewritten = source.segments
        rewritten[0].text = long
        rewritten[1].text = "Also short"  // no final stop: one is added before the disclaimer
        let plan = NarrationScript.reflow(source, rewritten: rewritten, style: .financial, segmenter: segmenter)
        #expect(plan.segments.allSatisfy { $0.text.count <= 60 && !$0.text.isEmpty })
        #expect(plan.segments.map(\.index) == Array(plan.segments.indices))
        let first = plan.segments.filter { $0.chapter == 0 }
        #expect(first.count >= 3)
        #expect(first.map(\.text).joined(separator: " ").replacingOccurrences(of: " ", with: "") == long.replacingOccurrences(of: " ", with: ""))
        #expect(first.last?.pauseAfter == 0.7 && plan.segments.last?.pauseAfter == 1.5)
        #expect(plan.segments.filter { $0.chapter == 1 }.map(\.text).joined(separator: " ") == "Also short. " + NarrationStyle.financialDisclaimer)
    }

    @Test func anAudiobooksFirstChapterIsSummarisedBeforeTheOtherChaptersAreTranscribed() async throws {
        let root = NSTemporaryDirectory() + "gemini-steps-book-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/in/book", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: E2E.uploads + "/welcome.mp3", toPath: root + "/in/book/01 welcome.mp3")
        try FileManager.default.copyItem(atPath: E2E.uploads + "/the-mill.m4a", toPath: root + "/in/book/02 mill.m4a")
        let run = E2E.Run(input: root + "/in", output: root + "/out", fakes: try await FakeProviders.start())
        let report = try await Self.process(run) { _ in }
        let book = try #require(report.files.first)
        #expect(book.status == "succeeded", "\(book.error ?? "")")
        let manifest = try E2E.manifest(run, book)
        #expect(Set(manifest.assets.map(\.kind)).isSuperset(of: ["summary_first", "summary", "embeddings", "captions_srt"]))
        let chunks = manifest.assets.filter { $0.kind == "chunk" }.count
        #expect(chunks >= 2)
        // Every chunk sent to speech-to-text exactly once, the first chapter's included.
        #expect(run.fakes.stats(.revai).callsByRoute["POST /jobs"] == chunks, "\(run.fakes.stats(.revai).callsByRoute)")
        // The first chapter's summary was stored before the second file was chunked or transcribed.
        let store = try await openJobStore(url: "sqlite:\(run.output)/state.sqlite")
        let steps = try await store.steps(of: try #require(UUID(uuidString: book.jobID!)))
        await store.close()
        let byName = Dictionary(steps.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let early = try #require(byName["summarize_first"]?.finishedAt)
        let rest = try #require(byName["chunk"]?.startedAt)
        let transcribed = try #require(byName["transcribe"]?.finishedAt)
        #expect(early <= rest && early < transcribed)
        let summary = try JSONDecoder().decode(TranscriptSummary.self, from: Data(contentsOf: URL(fileURLWithPath: run.output + "/jobs/\(book.jobID!)/summary.first.json")))
        #expect(!summary.summary.isEmpty && !summary.tags.isEmpty)
        await run.fakes.shutdown()
    }
}
