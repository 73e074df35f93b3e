import Foundation
import TestSupport
import MediaCore
import Testing
@testable import Pipeline
@testable import Providers

/// A recording of real speech (espeak-ng reading known sentences, made by
/// `scripts/local-whisper/make-speech.py`) and what the local engine made of it: once through
/// `runner process --transcriber local` (silence chunking), once whole through
/// `runner transcribe --engine local` (one request). Made once per test run, shared by the tests.
struct RealSpeech: Sendable {
    struct Sentence: Decodable, Sendable { var text: String; var start: Double; var end: Double; var paragraph: Int }
    struct Reference: Decodable, Sendable { var text: String; var duration: Double; var sentences: [Sentence] }
    struct Word: Decodable, Sendable { var text: String; var start: Double; var end: Double }
    struct TranscriptFile: Decodable, Sendable { var engine: String; var text: String; var words: [Word] }
    struct ReportFile: Decodable, Sendable { var path: String; var status: String; var transcriber: String? }
    struct Report: Decodable, Sendable { var files: [ReportFile] }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    /// Seconds of speech: about 2.8 minutes with the pauses, 5 chunks of at most 40 s.
    static let seconds = 150.0
    static let chunkSeconds = 40.0

    var reference: Reference
    var chunked: TranscriptFile
    var whole: TranscriptFile
    var report: Report
    /// `jobs/<id>/` of the chunked run.
    var jobFolder: String
    /// Where each chunk starts and ends in the recording (from the chunk files' durations).
    var chunks: [(start: Double, end: Double)]
    var pipelineSeconds: Double
    var wholeSeconds: Double

    static let shared = Task { try await RealSpeech.make() }

    static func make() async throws -> RealSpeech {
        guard LocalWhisperInstallation.find(executable: try RunnerProcess.executable().path) != nil else {
            Issue.record("the local transcription engine is not installed: run scripts/setup.sh (it makes .venv-whisper/)")
            throw CocoaError(.fileNoSuchFile)
        }
        let root = NSTemporaryDirectory() + "real-speech-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        let status = try await run(["python3", repository + "/scripts/local-whisper/make-speech.py", root + "/in/talk.wav", root + "/talk.json",
                              "--seconds", "\(seconds)"], log: root + "/make.log")
        try #require(status == 0, "make-speech.py failed: \((try? String(contentsOfFile: root + "/make.log.err", encoding: .utf8)) ?? "")")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: root + "/talk.json")))

        let runner = try RunnerProcess.executable().path
        var clock = ContinuousClock.now
        let processed = try await run([runner, "process", root + "/in", "--out", root + "/out", "--transcriber", "local",
                                 "--chunk-seconds", "\(Int(chunkSeconds))", "--json"], log: root + "/process.json")
        let pipelineSeconds = (ContinuousClock.now - clock) / .seconds(1)
        let errors = (try? String(contentsOfFile: root + "/process.json.err", encoding: .utf8)) ?? ""
        try #require(processed == 0, "runner process failed: \(errors.suffix(2000))")
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: root + "/process.json")))

        clock = ContinuousClock.now
        let transcribed = try await run([runner, "transcribe", root + "/in/talk.wav", "--engine", "local", "--out", root + "/whole"], log: root + "/whole.log")
        let wholeSeconds = (ContinuousClock.now - clock) / .seconds(1)
        try #require(transcribed == 0, "runner transcribe failed: \((try? String(contentsOfFile: root + "/whole.log.err", encoding: .utf8)) ?? "")")

        let jobs = try FileManager.default.contentsOfDirectory(atPath: root + "/out/jobs")
        let jobFolder = root + "/out/jobs/" + (try #require(jobs.first))
        let decoder = JSONDecoder()
        let chunked = try decoder.decode(TranscriptFile.self, from: Data(contentsOf: URL(fileURLWithPath: jobFolder + "/transcript.json")))
        let whole = try decoder.decode(TranscriptFile.self, from: Data(contentsOf: URL(fileURLWithPath: root + "/whole/talk/transcript.json")))
        let count = try FileManager.default.contentsOfDirectory(atPath: jobFolder + "/chunks").count
        var chunks: [(Double, Double)] = []
        var start = 0.0
        for index in 0..<count {
            let info = try #require(try MediaProbe.probe(path: jobFolder + "/chunks/\(index).flac").durationSeconds)
            chunks.append((start, start + info))
            start += info
        }
        return RealSpeech(reference: reference, chunked: chunked, whole: whole, report: report, jobFolder: jobFolder, chunks: chunks,
                          pipelineSeconds: pipelineSeconds, wholeSeconds: wholeSeconds)
    }

    /// Runs a command with the transcription keys removed (so only the local engine can answer);
    /// standard output goes to `log`, standard error to `log.err`.
    static func run(_ arguments: [String], log: String) async throws -> Int32 {
        try await offThePool { try runBlocking(arguments, log: log) }
    }

    private static func runBlocking(_ arguments: [String], log: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for name in ["OPENAI_API_KEY", "REVAI_ACCESS_TOKEN", "GEMINI_API_KEY", "DATABASE_URL", "TRANSCRIBER", "LOCAL_WHISPER_BASE_URL"] {
            environment[name] = nil
        }
        process.environment = environment
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        _ = FileManager.default.createFile(atPath: log + ".err", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log + ".err"))
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Word error rate and its alignment, on lowercase words without punctuation.
enum WordErrorRate {
    static func words(_ text: String) -> [String] {
        text.lowercased().replacingOccurrences(of: "'", with: "").split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// Substitutions, deletions and insertions turning `reference` into `hypothesis`.
    static func errors(_ reference: [String], _ hypothesis: [String]) -> (substitutions: Int, deletions: Int, insertions: Int) {
        typealias Cell = (cost: Int, s: Int, d: Int, i: Int)
        var row: [Cell] = (0...hypothesis.count).map { ($0, 0, 0, $0) }
        for (i, r) in reference.enumerated() {
            var next: [Cell] = [(i + 1, 0, i + 1, 0)]
            for (j, h) in hypothesis.enumerated() {
                let diagonal = row[j], up = row[j + 1], left = next[j]
                var best: Cell = r == h ? diagonal : (diagonal.cost + 1, diagonal.s + 1, diagonal.d, diagonal.i)
                if up.cost + 1 < best.cost { best = (up.cost + 1, up.s, up.d + 1, up.i) }
                if left.cost + 1 < best.cost { best = (left.cost + 1, left.s, left.d, left.i + 1) }
                next.append(best)
            }
            row = next
        }
        let last = row[hypothesis.count]
        return (last.s, last.d, last.i)
    }

    /// For each word of `hypothesis`, the index of the `reference` word it was aligned to and
    /// equals (nil: substituted or inserted), on one minimal edit path.
    static func matches(_ reference: [String], _ hypothesis: [String]) -> [Int?] {
        let n = reference.count, m = hypothesis.count
        var cost = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in 0...n { cost[i][0] = i }
        for j in 0...m { cost[0][j] = j }
        for i in stride(from: 1, through: n, by: 1) {
            for j in stride(from: 1, through: m, by: 1) {
                cost[i][j] = min(cost[i - 1][j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1), cost[i - 1][j] + 1, cost[i][j - 1] + 1)
            }
        }
        var result = [Int?](repeating: nil, count: m)
        var i = n, j = m
        while i > 0, j > 0 {
            if reference[i - 1] == hypothesis[j - 1], cost[i][j] == cost[i - 1][j - 1] {
                result[j - 1] = i - 1
                i -= 1; j -= 1
            } else if cost[i][j] == cost[i - 1][j - 1] + 1 {
                i -= 1; j -= 1
            } else if cost[i][j] == cost[i - 1][j] + 1 {
                i -= 1
            } else {
                j -= 1
            }
        }
        return result
    }

    /// In percent of the reference's words.
    static func rate(reference: String, hypothesis: String) -> Double {
        let ref = words(reference)
        let e = errors(ref, words(hypothesis))
        return 100 * Double(e.substitutions + e.deletions + e.insertions) / Double(max(1, ref.count))
    }
}

extension RealSpeech {
    /// The chunked transcript's words aligned to the reference text, word by word.
    struct Alignment {
        /// The reference's words, and the sentence each belongs to.
        var reference: [String]
        var referenceSentence: [Int]
        /// The transcript's words (one `Word` may hold several), and the `Word` each comes from.
        var hypothesis: [String]
        var hypothesisWord: [Int]
        /// For each hypothesis word, the reference word it correctly recognises.
        var heard: [Int?]
    }

    func aligned() -> Alignment {
        var alignment = Alignment(reference: [], referenceSentence: [], hypothesis: [], hypothesisWord: [], heard: [])
        for (index, sentence) in reference.sentences.enumerated() {
            let words = WordErrorRate.words(sentence.text)
            alignment.reference += words
            alignment.referenceSentence += Array(repeating: index, count: words.count)
        }
        for (index, word) in chunked.words.enumerated() {
            let words = WordErrorRate.words(word.text)
            alignment.hypothesis += words
            alignment.hypothesisWord += Array(repeating: index, count: words.count)
        }
        alignment.heard = WordErrorRate.matches(alignment.reference, alignment.hypothesis)
        return alignment
    }
}
