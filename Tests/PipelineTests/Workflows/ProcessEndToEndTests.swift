import FakeProviders
import Foundation
import Logging
import MediaCore
import Testing
import TestSupport
@testable import Pipeline
@testable import Providers

/// `runner process` end to end through its library entry point, on the bundled uploads plus bad
/// inputs: SQLite state and a local output folder, real espeak-ng and FFmpeg, the Rev.ai and
/// Gemini fakes on loopback.
@Suite(.serialized)
struct ProcessEndToEndTests {
    static let uploads = TextExtractionTests.uploads

    struct Run {
        let input: String
        let output: String
        let fakes: FakeProviders
        var services: WorkflowServices {
            let env = ProviderEnvironment([
                "REVAI_ACCESS_TOKEN": fakes.keys.revai, "REVAI_BASE_URL": fakes.baseURL,
                "GEMINI_API_KEY": fakes.keys.gemini, "GEMINI_BASE_URL": fakes.baseURL,
            ])
            return WorkflowServices(storage: try! LocalStorage(root: output), environment: env, logger: Logger(label: "test"),
                                    scratch: output + "-scratch")
        }

        func process() async throws -> BatchReport {
            var options = BatchProcess.Options(inputDirectory: input, localOutput: output, databaseURL: "sqlite:\(output)/state.sqlite")
            options.chunkSeconds = 10
            options.segmentChars = 120
            options.concurrency = 3
            return try await BatchProcess(options: options, services: services).run { _ in }
        }
    }

    static func prepare(bad: Bool) async throws -> Run {
        let root = NSTemporaryDirectory() + "process-e2e-" + UUID().uuidString
        let input = root + "/uploads"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: uploads) {
            try FileManager.default.copyItem(atPath: uploads + "/" + name, toPath: input + "/" + name)
        }
        if bad {
            try Data().write(to: URL(fileURLWithPath: input + "/empty.txt"))
            try Data("plain words, not a zip".utf8).write(to: URL(fileURLWithPath: input + "/broken.epub"))
            try Data(String(repeating: "not audio at all ", count: 300).utf8).write(to: URL(fileURLWithPath: input + "/corrupt.mp3"))
            try await shell("python3", "-c", """
                import zipfile
                with zipfile.ZipFile('\(input)/bomb.epub', 'w', zipfile.ZIP_DEFLATED) as z:
                    z.writestr('mimetype', 'application/epub+zip')
                    z.writestr('META-INF/container.xml', '<rootfile full-path="big.opf"/>')
                    z.writestr('big.opf', b'\\0' * (200 << 20))
                """)
        }
        return Run(input: input, output: root + "/out", fakes: try await FakeProviders.start())
    }

    @discardableResult
    static func shell(_ arguments: String...) async throws -> Int32 {
        try await Command.run(arguments).status
    }

    /// `shell` where no `await` can be (a `defer`), for commands that end at once.
    static func shellBlocking(_ arguments: String...) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    struct ManifestAsset: Decodable { var kind: String; var key: String; var bytes: Int64; var sha256: String }
    struct Manifest: Decodable {
        var workflow: String
        var assets: [ManifestAsset]
        var summary: [String: JSONValue]
    }

    static func manifest(_ run: Run, _ file: BatchReport.File) throws -> Manifest {
        let path = run.output + "/jobs/\(try #require(file.jobID))/manifest.json"
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        for asset in manifest.assets {  // every listed file is there, with the bytes the manifest says
            let (hex, size) = try FileDigest.sha256(path: run.output + "/" + asset.key)
            #expect(hex == asset.sha256, "\(asset.key)")
            #expect(size == asset.bytes, "\(asset.key)")
        }
        return manifest
    }

    static func decodedSeconds(_ path: String) throws -> Double {
        let decoder = try AudioDecoder(path: path, output: AudioFormat(sampleRate: 16_000, channels: 1))
        return Double(try decoder.decode { _ in }) / 16_000
    }

    @Test func uploadsBecomeAudioTranscriptsAndCaptionsAndBadInputsFailAlone() async throws {
        let run = try await Self.prepare(bad: true)
        let report = try await run.process()
        await run.fakes.shutdown()
        let byName = Dictionary(uniqueKeysWithValues: report.files.map { (($0.path as NSString).lastPathComponent, $0) })

        for name in ["lighthouse.txt", "cafe-latin1.txt", "guide.md", "article.html", "tiny-book.epub"] {
            let file = try #require(byName[name])
            #expect(file.workflow == "narrate")
            #expect(file.status == "succeeded", "\(name): \(file.error ?? "")")
            let manifest = try Self.manifest(run, file)
            let segments = manifest.assets.filter { $0.kind == "segment_audio" }
            #expect(!segments.isEmpty)
            let jobDir = run.output + "/jobs/\(file.jobID!)"
            let total = try Self.decodedSeconds(jobDir + "/audio.mp3")
            let parts = try segments.map { try Self.decodedSeconds(run.output + "/" + $0.key) }.reduce(0, +)
            guard case .number(let pauses) = manifest.summary["pause_seconds"] else { Issue.record("no pause_seconds"); continue }
            #expect(abs(total - (parts + pauses)) < 0.1 + 0.06 * Double(segments.count), "\(name): \(total) vs \(parts) + \(pauses)")
            #expect(abs(try Self.decodedSeconds(jobDir + "/audio.m4b") - total) < 0.2)
            // Loudness: the manifest's measurement, and ffmpeg's own EBU R128 meter on audio.mp3.
            guard case .object(let loudness) = manifest.summary["loudness"], case .number(let integrated) = loudness["integrated_lufs"],
                  case .number(let peak) = loudness["true_peak_dbtp"], case .number = loudness["gain_db"] else {
                Issue.record("\(name): no loudness in \(manifest.summary)"); continue
            }
            let ffmpeg = try await FFmpegLoudness.measure(jobDir + "/audio.mp3")
            #expect(abs(ffmpeg.integrated - integrated) < 0.5, "\(name): ffmpeg \(ffmpeg.integrated) vs manifest \(integrated) LUFS")
            #expect(ffmpeg.truePeak <= -1.5, "\(name): ffmpeg \(ffmpeg.truePeak) dBTP")
            #expect(peak <= -1.5, "\(name): manifest \(peak) dBTP")
            // espeak-ng speech is peaky: the target is reached by the true-peak limiter, not by
            // giving up loudness (within 1 LU, as ffmpeg measures the published mp3).
            #expect(abs(ffmpeg.integrated - (-18)) <= 1, "\(name): ffmpeg \(ffmpeg.integrated) LUFS")
            if loudness["peak_limited"] == .bool(true) {
                guard case .number(let reduction) = loudness["limiter_max_reduction_db"] else { Issue.record("\(name): no limiter_max_reduction_db"); continue }
                #expect(reduction > 0, "\(name): limited by \(reduction) dB")
            }
            let markup = try String(contentsOfFile: jobDir + "/markup.txt", encoding: .utf8)
            #expect(markup.components(separatedBy: "[[SEGMENT id=").count - 1 == segments.count)
            #expect(markup.components(separatedBy: "[[AUDIO asset_id=").count - 1 == segments.count)
        }
        let chapters = try await Self.chapterCount(run.output + "/jobs/\(byName["tiny-book.epub"]!.jobID!)/audio.m4b")
        #expect(chapters == 2)
        // Title and author come from the document (epub metadata, Markdown front matter), read by ffprobe.
        for (name, title) in [("tiny-book.epub", "A Tiny Book"), ("guide.md", "The Quick Guide")] {
            for file in ["audio.m4b", "audio.mp3"] {
                let tags = try await Self.tags(run.output + "/jobs/\(byName[name]!.jobID!)/" + file)
                #expect(tags["title"] == title && tags["artist"] == "Ada Quill", "\(name) \(file): \(tags)")
            }
        }

        for name in ["welcome.mp3", "the-mill.m4a"] {
            let file = try #require(byName[name])
            #expect(file.workflow == "transcribe")
            #expect(file.status == "succeeded", "\(name): \(file.error ?? "")")
            let manifest = try Self.manifest(run, file)
            let kinds = Set(manifest.assets.map(\.kind))
            #expect(kinds.isSuperset(of: ["chunk", "transcript", "transcript_text", "captions_srt", "captions_vtt", "summary", "embeddings"]))
            #expect(manifest.assets.filter { $0.kind == "chunk" }.count >= 2)
            let jobDir = run.output + "/jobs/\(file.jobID!)"
            let transcript = try JSONDecoder().decode(Transcript.self, from: Data(contentsOf: URL(fileURLWithPath: jobDir + "/transcript.json")))
            #expect(!transcript.words.isEmpty)
            #expect(zip(transcript.words, transcript.words.dropFirst()).allSatisfy { $0.start <= $1.start })
            for (captions, format) in [("captions.srt", "srt"), ("captions.vtt", "webvtt")] {
                #expect(try await Self.shell("ffmpeg", "-v", "error", "-i", jobDir + "/" + captions, "-f", format, "-y", "/dev/null") == 0, "\(captions)")
            }
            let cues = try Self.srtCues(jobDir + "/captions.srt")
            #expect(cues.count >= 3)
            for (i, cue) in cues.enumerated() {
                #expect(cue.lines.count <= 2 && cue.lines.allSatisfy { !$0.isEmpty && $0.count <= 42 }, "\(cue.lines)")
                let next = i + 1 < cues.count ? cues[i + 1].start : Double.infinity
                #expect(cue.end <= next && cue.end - cue.start <= 7.0005)
                #expect(cue.end - cue.start >= 0.9995 || abs(cue.end - next) < 0.0005, "cue \(i + 1) shorter than 1 s")
            }
            #expect(cues.flatMap { $0.lines.joined(separator: " ").split(separator: " ") }.count == transcript.words.count)
        }

        let expectedFailures = ["empty.txt": "empty_text", "broken.epub": "bad_epub", "bomb.epub": "zip_bomb", "corrupt.mp3": "bad_media"]
        for (name, code) in expectedFailures {
            let file = try #require(byName[name])
            #expect(file.status == "dead", "\(name)")
            #expect(file.error?.hasPrefix(code) == true, "\(name): \(file.error ?? "nil")")
        }
        #expect(byName["make-uploads.py"]?.status == "skipped")
        #expect(!report.succeeded)
    }

    @Test func aRerunReusesEveryJobAndCallsNoProviderAgain() async throws {
        let run = try await Self.prepare(bad: false)
        let first = try await run.process()
        #expect(first.succeeded)
        let revaiCalls = run.fakes.stats(.revai).calls
        #expect(revaiCalls > 0)
        run.fakes.resetStats()
        let second = try await run.process()
        #expect(second.files.filter { $0.workflow != nil }.allSatisfy { !$0.newJob && $0.status == "succeeded" })
        #expect(run.fakes.stats(.revai).calls == 0)
        #expect(run.fakes.stats(.gemini).calls == 0)
        // A changed text is a new job, but its unchanged sentences come from the speech cache.
        let path = run.input + "/lighthouse.txt"
        try (try String(contentsOfFile: path, encoding: .utf8) + "\nOne new closing line.\n").write(toFile: path, atomically: true, encoding: .utf8)
        let third = try await run.process()
        let changed = try #require(third.files.first { $0.path == "lighthouse.txt" })
        #expect(changed.newJob && changed.status == "succeeded")
        let manifest = try Self.manifest(run, changed)
        guard case .number(let cached) = manifest.summary["segments_from_cache"], case .number(let total) = manifest.summary["segments"] else {
            Issue.record("summary lacks cache counts"); return
        }
        #expect(cached >= 1 && cached < total)
        await run.fakes.shutdown()
    }

    /// Parses SubRip strictly: number, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, text lines, blank line.
    static func srtCues(_ path: String) throws -> [(start: Double, end: Double, lines: [String])] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        func seconds(_ s: Substring) throws -> Double {
            let parts = s.split(whereSeparator: { $0 == ":" || $0 == "," }).compactMap { Double($0) }
            try #require(parts.count == 4)
            return parts[0] * 3600 + parts[1] * 60 + parts[2] + parts[3] / 1000
        }
        return try text.components(separatedBy: "\n\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.enumerated().map { i, block in
            let lines = block.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
            try #require(lines.count >= 3 && lines[0] == "\(i + 1)", "block \(i + 1)")
            let times = lines[1].components(separatedBy: " --> ")
            try #require(times.count == 2)
            return (try seconds(Substring(times[0])), try seconds(Substring(times[1])), lines.dropFirst(2).map(String.init))
        }
    }

    @Test func aFolderOfRecordingsIsOneAudiobookWithChapterOffsets() async throws {
        let root = NSTemporaryDirectory() + "process-book-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/in/book", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.uploads + "/welcome.mp3", toPath: root + "/in/book/01 welcome.mp3")
        try FileManager.default.copyItem(atPath: Self.uploads + "/the-mill.m4a", toPath: root + "/in/book/02 mill.m4a")
        let run = Run(input: root + "/in", output: root + "/out", fakes: try await FakeProviders.start())
        let report = try await run.process()
        await run.fakes.shutdown()
        let book = try #require(report.files.first)
        #expect(report.files.count == 1 && book.path == "book/" && book.status == "succeeded", "\(report.files.map(\.path)) \(book.error ?? "")")
        let manifest = try Self.manifest(run, book)
        guard case .array(let chapters) = manifest.summary["chapters"], chapters.count == 2,
              case .object(let second) = chapters[1], case .number(let start) = second["start"] else {
            Issue.record("no chapters in \(manifest.summary)"); return
        }
        let first = try Self.decodedSeconds(Self.uploads + "/welcome.mp3")
        #expect(abs(start - first) < 0.1, "second file starts at \(start), first lasts \(first)")
        let transcript = try JSONDecoder().decode(Transcript.self, from: Data(contentsOf: URL(fileURLWithPath: run.output + "/jobs/\(book.jobID!)/transcript.json")))
        #expect(transcript.words.contains { $0.start > first + 1 }, "words of the second file are shifted past the first")
        #expect(zip(transcript.words, transcript.words.dropFirst()).allSatisfy { $0.start <= $1.start })
    }

    static func chapterCount(_ path: String) async throws -> Int {
        try await ffprobe("-show_chapters", "-of", "csv=p=0", path).split(separator: "\n").count
    }

    /// The container's tags, as ffprobe reads them (keys lower-cased).
    static func tags(_ path: String) async throws -> [String: String] {
        let lines = try await ffprobe("-show_entries", "format_tags", "-of", "default=noprint_wrappers=1", path).split(separator: "\n")
        return Dictionary(lines.compactMap { line -> (String, String)? in
            guard let eq = line.firstIndex(of: "="), line.hasPrefix("TAG:") else { return nil }
            return (line[line.index(line.startIndex, offsetBy: 4)..<eq].lowercased(), String(line[line.index(after: eq)...]))
        }) { first, _ in first }
    }

    static func ffprobe(_ arguments: String...) async throws -> String {
        try await Command.run(["ffprobe", "-v", "error"] + arguments).output
    }
}
