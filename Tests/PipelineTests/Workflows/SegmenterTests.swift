import Foundation
import Testing
@testable import Pipeline
import Providers

struct SegmenterTests {
    @Test func abbreviationsDecimalsAndQuotesDoNotEndSentences() {
        let sentences = Sentences.split("Dr. Brown paid $3.14 for it. \"Is it lit?\" she asked. J. R. Smith met Mr. Jones at 5 p.m. today. The end")
        #expect(sentences == ["Dr. Brown paid $3.14 for it.", "\"Is it lit?\"", "she asked.", "J. R. Smith met Mr. Jones at 5 p.m. today.", "The end"])
    }

    @Test(arguments: [40, 80, 200])
    func segmentsRespectTheLimitAndNeverSplitWords(limit: Int) {
        let paragraph = (1...30).map { "Sentence number \($0) has several plain words in it." }.joined(separator: " ")
        let chapters = [ExtractedChapter(title: "One", text: paragraph + "\n\n" + paragraph), ExtractedChapter(title: nil, text: "Short.")]
        let segments = Segmenter(limit: limit).segments(chapters)
        #expect(segments.allSatisfy { $0.text.count <= limit })
        let words = segments.flatMap { $0.text.split(separator: " ") }
        let expected = ("One. " + paragraph + " " + paragraph + " Short.").split(separator: " ")
        #expect(words == expected)  // every word intact, in order, none lost
        #expect(segments.map(\.index) == Array(0..<segments.count))
        #expect(segments.last?.chapter == 1)
        #expect(segments.first { $0.chapter == 0 && segments[$0.index + 1].chapter == 1 }?.pauseAfter == 1.5)
    }

    @Test func wholeSentencesStayTogetherWhenTheyFit() {
        let text = "First sentence is here. Second one follows it. Third closes."
        let segments = Segmenter(limit: 50).segments([ExtractedChapter(title: nil, text: text)])
        #expect(segments.map(\.text) == ["First sentence is here. Second one follows it.", "Third closes."])
    }

    @Test func googleLimitCountsUTF8Bytes() {
        let text = String(repeating: "Ça été déjà vu. ", count: 50)
        let segments = Segmenter(limit: 100, measure: .utf8Bytes).segments([ExtractedChapter(title: nil, text: text)])
        #expect(segments.allSatisfy { $0.text.utf8.count <= 100 })
        #expect(segments.count > 1)
    }

    @Test func captionsKeepLinesCuesAndDurationsWithinTheRules() {
        var words: [Transcript.Word] = []
        var t = 0.0
        for i in 0..<300 {
            let text = i % 17 == 16 ? "end." : (i % 5 == 0 ? "extraordinarily" : "word\(i % 7)")
            words.append(.init(text: text, start: t, end: t + 0.3))
            t += i % 40 == 39 ? 2.0 : 0.35
        }
        let cues = Captions.cues(words)
        #expect(!cues.isEmpty)
        for (i, cue) in cues.enumerated() {
            #expect(cue.lines.count <= 2 && cue.lines.allSatisfy { $0.count <= 42 }, "\(cue.lines)")
            #expect(cue.end - cue.start <= 7.0001)
            let next = i + 1 < cues.count ? cues[i + 1].start : .infinity
            #expect(cue.end - cue.start >= 1 - 0.0001 || cue.end == next, "cue \(i) too short")
            #expect(cue.end <= next)
        }
        #expect(cues.flatMap { $0.lines.joined(separator: " ").split(separator: " ") }.count == words.count)
    }
}
