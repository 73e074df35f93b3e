import FakeProviders
import Foundation
import Logging
import Testing

@testable import Providers

struct TranscribeJobTests {
    @Test(arguments: [TranscriberKind.revai, .openai])
    func writesTranscriptAndCaptionsPerInput(engine: TranscriberKind) async throws {
        try await withFakes { fixture in
            let directory = NSTemporaryDirectory() + "providers-test-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let inputs = try [2.0, 5.0].map { try temporaryFile(toneWAV(seconds: $0), suffix: ".wav") }
            defer { for input in inputs { try? FileManager.default.removeItem(atPath: input) } }
            let transcriber: any Transcriber = switch engine {
            case .revai: RevAITranscriber(client: try fixture.revai())
            case .openai: OpenAITranscriber(client: try fixture.openAI())
            case .local: OpenAITranscriber(client: try fixture.openAI(), engine: "local")  // the real one: LocalTranscriptionTests
            }
            let outcomes = await TranscribeJob.run(
                inputs: inputs + ["/nonexistent/missing.wav"], outputDirectory: directory, transcriber: transcriber,
                language: "en", logger: fixture.logger)
            #expect(outcomes.count == 3)
            #expect(outcomes[2].error?.contains("cannot read") == true)
            for (outcome, seconds) in zip(outcomes, [2.0, 5.0]) {
                #expect(outcome.error == nil)
                #expect(outcome.words == Int(seconds * 2.5))
                for file in TranscribeJob.files {
                    #expect(FileManager.default.fileExists(atPath: outcome.directory + "/" + file), "\(file)")
                }
                let json = try Data(contentsOf: URL(fileURLWithPath: outcome.directory + "/transcript.json"))
                let transcript = try JSONDecoder().decode(Transcript.self, from: json)
                #expect(transcript.engine == engine.rawValue)
                #expect(transcript.words.count == outcome.words)
                #expect((transcript.words.last?.end ?? 0) <= seconds)
                let srt = try String(contentsOfFile: outcome.directory + "/captions.srt", encoding: .utf8)
                let vtt = try String(contentsOfFile: outcome.directory + "/captions.vtt", encoding: .utf8)
                #expect(srt.hasPrefix("1\n00:00:00,000 --> 00:00:0"))
                #expect(vtt.hasPrefix("WEBVTT\n\n00:00:00.000 --> "))
                // Every word appears in the captions, in order.
                let captionWords = srt.split(separator: "\n").filter { !$0.contains("-->") && Int($0) == nil }.flatMap { $0.split(separator: " ") }
                #expect(captionWords.map { $0.lowercased() } == transcript.words.map { $0.text.lowercased() })
            }
            if engine == .revai { #expect(fixture.fakes.revai.jobsDeleted == 2) }
        }
    }
}

struct ClientLimitTests {
    @Test func clientLimitHoldsWhateverTheCallerConcurrency() async throws {
        try await withFakes { fixture in
            fixture.fakes.setLatency(.milliseconds(150), for: .openai)
            let inputs = try (0..<6).map { _ in try temporaryFile(toneWAV(seconds: 1), suffix: ".wav") }
            defer { for input in inputs { try? FileManager.default.removeItem(atPath: input) } }
            let client = try fixture.openAI { $0.limits = .init(maxConcurrent: 2) }
            let outcomes = await TranscribeJob.run(
                inputs: inputs, outputDirectory: NSTemporaryDirectory() + "providers-test-\(UUID().uuidString)",
                transcriber: OpenAITranscriber(client: client), language: nil, concurrency: 6, logger: fixture.logger)
            #expect(outcomes.allSatisfy { $0.error == nil })
            #expect(fixture.fakes.stats(.openai).calls == 6)
            #expect(fixture.fakes.stats(.openai).peakConcurrency == 2)
        }
    }

    @Test func cancellingAWaitStopsPolling() async throws {
        try await withFakes { fixture in
            fixture.fakes.revai.script([.stuck])
            let rev = try fixture.revai()
            let job = try await rev.submit(url: "https://media.example.com/a.mp3")
            let waiting = Task { try await rev.waitForCompletion(job.id) }
            let deadline = ContinuousClock.now + .seconds(30)
            while fixture.fakes.stats(.revai).callsByRoute["GET /jobs/{id}", default: 0] < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            waiting.cancel()
            let error = await #expect(throws: ProviderError.self) { try await waiting.value }
            #expect(error?.kind == .cancelled)
            let polls = fixture.fakes.stats(.revai).callsByRoute["GET /jobs/{id}", default: 0]
            #expect(polls >= 2)
            try await Task.sleep(for: .milliseconds(300))  // polls are 20–50 ms apart: several would have run
            #expect(fixture.fakes.stats(.revai).callsByRoute["GET /jobs/{id}", default: 0] == polls)
        }
    }
}

struct TranscriptFormatTests {
    let transcript = Transcript(engine: "test", language: "en", duration: 5, text: "Hello there. General Kenobi!", words: [
        .init(text: "Hello", start: 0.5, end: 0.9, speaker: 0, confidence: 0.9),
        .init(text: "there.", start: 1.0, end: 1.4, speaker: 0, confidence: 0.8),
        .init(text: "General", start: 2.0, end: 2.5, speaker: 1, confidence: 1),
        .init(text: "Kenobi!", start: 2.6, end: 3.25, speaker: 1, confidence: 1),
    ])

    @Test func srtAndVTTBreakAtSentencesAndSpeakers() {
        // The first cue is held 1 s (the shortest cue), the next starting later.
        #expect(transcript.srt() == "1\n00:00:00,500 --> 00:00:01,500\nHello there.\n\n2\n00:00:02,000 --> 00:00:03,250\nGeneral Kenobi!\n")
        #expect(transcript.vtt() == "WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nHello there.\n\n00:00:02.000 --> 00:00:03.250\nGeneral Kenobi!\n")
        #expect(Captions.stamp(3661.25, ",") == "01:01:01,250")
        #expect(transcript.plainText() == "Speaker 0: Hello there.\n\nSpeaker 1: General Kenobi!\n")
    }

    @Test func revElementsBecomeWordsWithPunctuation() throws {
        let json = #"""
        {"monologues":[{"speaker":1,"elements":[{"type":"text","value":"Hello","ts":0.5,"end_ts":1.5,"confidence":1.0},
        {"type":"punct","value":" "},{"type":"text","value":"World","ts":1.75,"ts_end":2.85,"confidence":0.8},
        {"type":"punct","value":"."},{"type":"unknown","value":"<inaudible>"}]}]}
        """#
        let rev = try JSONDecoder().decode(RevTranscript.self, from: Data(json.utf8))
        let words = rev.transcript(language: "en", duration: nil).words
        #expect(words.map(\.text) == ["Hello", "World."])
        #expect(words.last?.end == 2.85)
        #expect(words.allSatisfy { $0.speaker == 1 })
    }

    @Test(arguments: [100, 500, 5000])
    func splitterKeepsTextAndLimit(limit: Int) {
        let text = (0..<300).map { "Sentence number \($0) has a few words in it!" }.joined(separator: " ")
            + " " + String(repeating: "x", count: 700)
        let chunks = TextSplitter.split(text, limit: limit, measure: .utf8Bytes)
        #expect(chunks.allSatisfy { $0.utf8.count <= limit })
        #expect(chunks.joined().filter { !$0.isWhitespace } == text.filter { !$0.isWhitespace })
    }
}

/// `runner transcribe` writes captions by the one rule (`Captions`), the very files the
/// transcribe workflow writes for the same words.
struct TranscribeCaptionsRuleTests {
    struct Fixed: Transcriber {
        let transcript: Transcript
        func transcribe(file path: String, language: String?) async throws -> Transcript { transcript }
    }

    @Test func runnerTranscribeCaptionsKeepFortyTwoCharactersTwoLinesAndOneToSevenSeconds() async throws {
        // Long words at a brisk pace, a sentence end every 23 words, one long pause: what made
        // 60-character lines before.
        var words: [Transcript.Word] = []
        var t = 0.0
        for i in 0..<240 {
            let text = i % 23 == 22 ? "conclusion." : ["transcription", "captioning", "broadcasting", "a", "of"][i % 5]
            words.append(.init(text: text, start: t, end: t + 0.25, speaker: i < 120 ? 0 : 1))
            t += i == 100 ? 3 : 0.3
        }
        let transcript = Transcript(engine: "test", language: "en", duration: t, text: words.map(\.text).joined(separator: " "), words: words)
        let directory = NSTemporaryDirectory() + "captions-rule-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = directory + "/talk.wav"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data("RIFF".utf8).write(to: URL(fileURLWithPath: input))
        let outcomes = await TranscribeJob.run(inputs: [input], outputDirectory: directory + "/out", transcriber: Fixed(transcript: transcript),
                                               language: nil, logger: Logger(label: "test"))
        #expect(outcomes.first?.error == nil)
        let srt = try String(contentsOfFile: directory + "/out/talk/captions.srt", encoding: .utf8)
        let vtt = try String(contentsOfFile: directory + "/out/talk/captions.vtt", encoding: .utf8)
        let cues = Captions.cues(words)
        #expect(srt == Captions.srt(cues) && vtt == Captions.vtt(cues))
        let blocks = srt.components(separatedBy: "\n\n").map { $0.split(separator: "\n", omittingEmptySubsequences: false) }
        #expect(blocks.count == cues.count && cues.count > 20)
        for (i, cue) in cues.enumerated() {
            let lines = blocks[i].dropFirst(2).filter { !$0.isEmpty }
            #expect(lines.count <= 2 && lines.allSatisfy { $0.count <= 42 }, "cue \(i + 1): \(lines)")
            let next = i + 1 < cues.count ? cues[i + 1].start : .infinity
            #expect(cue.end - cue.start <= 7.0001 && (cue.end - cue.start >= 0.9999 || cue.end == next), "cue \(i + 1): \(cue)")
        }
        #expect(cues.flatMap { $0.lines.joined(separator: " ").split(separator: " ") }.count == words.count)
    }
}
