import FakeProviders
import Foundation
import TestSupport
import Logging
import Testing
@testable import Pipeline
@testable import Providers

/// `--segments N`: Gemini's proposed sections checked against the text, then narrated as
/// chapters (real FFmpeg and espeak-ng, the Gemini fake).
@Suite(.serialized)
struct SemanticSectionsTests {
    typealias E2E = ProcessEndToEndTests
    typealias P = SemanticSections.Proposed

    static let text = "The river rises in the hills. It feeds the mill. Bakers buy the flour at dawn."  // 78 characters

    func invalid(_ proposed: [P], max: Int = 3) -> String? {
        do { _ = try SemanticSections.validate(proposed, text: Self.text, maxCount: max); return nil } catch { return "\(error)" }
    }

    @Test func sectionsThatCoverTheTextInOrderAreKept() throws {
        let sections = try SemanticSections.validate([P(title: " Source ", start: 0, end: 30), P(title: "Mill", start: 30, end: 78)],
                                                     text: Self.text, maxCount: 3)
        #expect(sections == [.init(title: "Source", start: 0, end: 30), .init(title: "Mill", start: 30, end: 78)])
    }

    @Test func aGapAnOverlapDisorderOrOverrunIsRejected() {
        #expect(invalid([P(title: "a", start: 0, end: 30), P(title: "b", start: 35, end: 78)])?.contains("gap") == true)
        #expect(invalid([P(title: "a", start: 0, end: 30), P(title: "b", start: 25, end: 78)])?.contains("overlap") == true)
        #expect(invalid([P(title: "b", start: 30, end: 78), P(title: "a", start: 0, end: 30)]) != nil)  // out of order
        #expect(invalid([P(title: "a", start: 0, end: 30), P(title: "b", start: 30, end: 90)])?.contains("78 characters") == true)
        #expect(invalid([P(title: "a", start: 0, end: 30), P(title: "b", start: 30, end: 60)])?.contains("78 characters") == true)
        #expect(invalid([P(title: "a", start: 5, end: 78)])?.contains("starts at 5") == true)
        #expect(invalid([P(title: "a", start: 0, end: 30.5), P(title: "b", start: 30.5, end: 78)])?.contains("integers") == true)
        #expect(invalid([P(title: "a", start: 0, end: 30), P(title: "b", start: 30, end: 30), P(title: "c", start: 30, end: 78)]) != nil)
        #expect(invalid([]) != nil)
        #expect(invalid([P(title: "", start: 0, end: 78)])?.contains("title") == true)
    }

    @Test func moreSectionsThanAskedAreRejected() {
        let four = [P(title: "a", start: 0, end: 20), P(title: "b", start: 20, end: 40), P(title: "c", start: 40, end: 60), P(title: "d", start: 60, end: 78)]
        #expect(invalid(four, max: 3)?.contains("at most 3") == true)
        #expect(invalid(four, max: 4) == nil)
    }

    @Test func aBoundaryInsideAWordMovesToTheNextWhitespace() throws {
        // 35 is inside "feeds" (33…37): moved to the space after it (38).
        let sections = try SemanticSections.validate([P(title: "a", start: 0, end: 35), P(title: "b", start: 35, end: 78)], text: Self.text, maxCount: 2)
        #expect(sections.map(\.end) == [38, 78] && sections[1].start == 38)
        let chapters = SemanticSections.chapters(sections, text: Self.text, extracted: ExtractedText(format: "txt", chapters: [], warnings: [], characters: 78))
        #expect(chapters.chapters.map(\.text) == ["The river rises in the hills. It feeds", "the mill. Bakers buy the flour at dawn."])
        // A section left with nothing once its end moves is rejected.
        #expect(invalid([P(title: "a", start: 0, end: 34), P(title: "b", start: 34, end: 36), P(title: "c", start: 36, end: 78)])?.contains("empty") == true)
    }

    static let story = """
        The river rises high in the northern hills, where snow melts slowly through the spring. Shepherds follow it down each year.

        Halfway to the sea the water turns the great wheel of the old mill. The miller grinds wheat from every farm around.

        At dawn the bakers of the town buy the fresh flour. By noon the whole market smells of warm bread and honey cakes.
        """

    static func prepare() async throws -> E2E.Run {
        let root = NSTemporaryDirectory() + "sections-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        try story.write(toFile: root + "/in/river.txt", atomically: true, encoding: .utf8)
        return E2E.Run(input: root + "/in", output: root + "/out", fakes: try await FakeProviders.start())
    }

    static func titles(_ path: String) async throws -> [String] {
        try await Command.run(["ffprobe", "-v", "error", "-show_entries", "chapter_tags=title", "-of", "csv=p=0", path])
            .output.split(separator: "\n").map(String.init)
    }

    @Test func processWithSegmentsNarratesGeminisSectionsAsTitledChapters() async throws {
        let run = try await Self.prepare()
        let report = try await GeminiStepsTests.process(run) { $0.segments = 3 }
        let file = try #require(report.files.first)
        #expect(file.status == "succeeded", "\(file.error ?? "")")
        #expect(file.stepSeconds["sections"] != nil)
        #expect(GeminiStepsTests.generateCalls(run) == 1)
        let jobDir = run.output + "/jobs/\(file.jobID!)"
        let chapters = try await Self.titles(jobDir + "/audio.m4b")
        #expect(chapters.count == 3, "\(chapters)")
        #expect(chapters.enumerated().allSatisfy { $1.hasPrefix("Part \($0 + 1): ") }, "\(chapters)")
        let markup = try String(contentsOfFile: jobDir + "/markup.txt", encoding: .utf8)
        for title in chapters { #expect(markup.contains("\n# \(title)\n"), "\(title)") }
        // Every word of the text is narrated once, in order.
        let spoken = try GeminiStepsTests.markupTexts(jobDir + "/markup.txt").joined(separator: " ")
        #expect(spoken.contains("The river rises high") && spoken.hasSuffix("honey cakes."))
        run.fakes.resetStats()
        let again = try await GeminiStepsTests.process(run) { $0.segments = 3 }
        #expect(again.files.first?.newJob == false && again.files.first?.status == "succeeded")
        #expect(GeminiStepsTests.generateCalls(run) == 0)
        await run.fakes.shutdown()
    }

    @Test func segmentsWithoutAGeminiKeyFailAsMissingConfiguration() async throws {
        let run = try await Self.prepare()
        var options = BatchProcess.Options(inputDirectory: run.input, localOutput: run.output, databaseURL: "sqlite:\(run.output)/state.sqlite")
        options.segments = 2
        let services = WorkflowServices(storage: try LocalStorage(root: run.output), environment: ProviderEnvironment([:]),
                                        logger: Logger(label: "test"), scratch: run.output + "-scratch")
        let report = try await BatchProcess(options: options, services: services).run { _ in }
        let file = try #require(report.files.first)
        #expect(file.status == "dead")  // failed at once, not retried
        #expect(file.error?.contains("missing_configuration") == true, "\(file.error ?? "")")
        await run.fakes.shutdown()
    }
}
