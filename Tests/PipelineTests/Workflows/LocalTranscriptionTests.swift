import Foundation
import Testing
@testable import Pipeline

/// The transcription path on real speech with a real recogniser, no fakes: espeak-ng reads known
/// sentences (about 2.8 minutes, paragraphs 2 s apart), `runner process --transcriber local`
/// cuts it at silences into 40-second chunks and the local engine (faster-whisper, Whisper
/// tiny.en) transcribes them; the same file is also transcribed whole in one request.
///
/// Bounds measured on this machine (tiny.en on espeak-ng's voice, scripts/local-whisper/make-speech.py
/// seed 14): merged transcript 10.8 % WER, whole file 11.4 %; the tests allow 18 % and 2 points.
@Suite(.serialized)
struct LocalTranscriptionTests {
    static let maxWordErrorRate = 18.0

    func speech() async throws -> RealSpeech { try await RealSpeech.shared.value }

    @Test func theMergedTranscriptOfSeveralChunksHasTheSpokenWords() async throws {
        let speech = try await speech()
        let file = try #require(speech.report.files.first)
        #expect(file.status == "succeeded" && file.transcriber == "local", "the report names the engine: \(file)")
        #expect(speech.chunked.engine == "local")
        #expect(speech.chunks.count >= 4, "silence chunking made \(speech.chunks.count) chunks")
        let wer = WordErrorRate.rate(reference: speech.reference.text, hypothesis: speech.chunked.text)
        print("local engine: chunked WER \(String(format: "%.2f", wer)) % in \(speech.chunks.count) chunks, "
              + "pipeline \(String(format: "%.1f", speech.pipelineSeconds)) s, whole \(String(format: "%.1f", speech.wholeSeconds)) s "
              + "for \(String(format: "%.1f", speech.reference.duration)) s of speech")
        #expect(wer < Self.maxWordErrorRate)
    }

    @Test func chunkingAtSilencesDoesNotHurtRecognition() async throws {
        let speech = try await speech()
        let chunked = WordErrorRate.rate(reference: speech.reference.text, hypothesis: speech.chunked.text)
        let whole = WordErrorRate.rate(reference: speech.reference.text, hypothesis: speech.whole.text)
        print("local engine: WER chunked \(String(format: "%.2f", chunked)) %, whole file \(String(format: "%.2f", whole)) %")
        #expect(abs(chunked - whole) <= 2, "chunked \(chunked) % against whole \(whole) %")
    }

    /// Proves the merge adds each chunk's start: a shift by any chunk's length (≥ 20 s) or none
    /// at all puts the sentence nowhere near its time.
    @Test func sentencesOfTheThirdChunkAreAtTheirSpokenTimes() async throws {
        let speech = try await speech()
        try #require(speech.chunks.count >= 3)
        let third = speech.chunks[2]
        let aligned = speech.aligned()
        var found = 0, total = 0
        for (index, sentence) in speech.reference.sentences.enumerated() where sentence.start > third.start + 0.5 && sentence.end < third.end - 0.5 {
            total += 1
            // The transcript's word aligned to the sentence's first word, when it was recognised.
            guard let token = aligned.referenceSentence.indices.first(where: { aligned.referenceSentence[$0] == index })
                .flatMap({ first in aligned.heard.firstIndex { $0 == first } }) else { continue }
            found += 1
            let start = speech.chunked.words[aligned.hypothesisWord[token]].start
            #expect(abs(start - sentence.start) <= 0.5, "\"\(sentence.text)\" spoken at \(sentence.start) s, transcribed at \(start) s")
        }
        #expect(total >= 2 && found * 2 >= total, "\(found) of \(total) sentences of the third chunk found")
    }

    @Test func wordsAreInTimeOrderAndNoneIsDuplicatedOrLostAtAJoin() async throws {
        let speech = try await speech()
        let words = speech.chunked.words
        for (a, b) in zip(words, words.dropFirst()) {
            #expect(a.start <= b.start && b.start <= b.end, "\(a) then \(b)")
        }
        try #require(speech.chunks.count >= 2)
        for cut in speech.chunks.dropFirst().map(\.start) {
            // The sentences within 8 s of the cut, and the words transcribed over their span.
            let spoken = speech.reference.sentences.filter { $0.end > cut - 8 && $0.start < cut + 8 }
            let from = try #require(spoken.first).start - 0.2, to = try #require(spoken.last).end + 0.2
            let heard = words.filter { ($0.start + $0.end) / 2 >= from && ($0.start + $0.end) / 2 <= to }
            let reference = spoken.flatMap { WordErrorRate.words($0.text) }
            let hypothesis = heard.flatMap { WordErrorRate.words($0.text) }
            let errors = WordErrorRate.errors(reference, hypothesis)
            let joined = spoken.map(\.text).joined(separator: " ")
            #expect(errors.deletions + errors.insertions <= 2,
                    "around the cut at \(cut) s: \(errors) for \"\(joined)\" heard as \"\(hypothesis.joined(separator: " "))\"")
            let near = heard.filter { abs($0.start - cut) < 3 }.flatMap { WordErrorRate.words($0.text) }
            for (a, b) in zip(near, near.dropFirst()) { #expect(a != b, "\"\(a)\" twice at the cut at \(cut) s") }
        }
    }

    /// Each caption word is followed back to the transcript word it shows and, when that word was
    /// recognised correctly, to the sentence that said it: that sentence was spoken within the
    /// cue's span (±0.5 s). Known times are per sentence (espeak-ng reads each one alone).
    @Test func captionCuesShowWordsSpokenInTheirSpan() async throws {
        let speech = try await speech()
        let cues = try ProcessEndToEndTests.srtCues(speech.jobFolder + "/captions.srt")
        try #require(cues.count >= 10)
        let aligned = speech.aligned()
        var next = 0, placed = 0
        for cue in cues {
            #expect(cue.lines.count <= 2 && cue.lines.allSatisfy { $0.count <= 42 }, "\(cue.lines)")
            for token in WordErrorRate.words(cue.lines.joined(separator: " ")) {
                try #require(next < aligned.hypothesis.count && aligned.hypothesis[next] == token,
                             "cue \(cue.start) s: \"\(token)\" is not the transcript's next word")
                defer { next += 1 }
                guard let reference = aligned.heard[next] else { continue }
                let sentence = speech.reference.sentences[aligned.referenceSentence[reference]]
                placed += 1
                #expect(sentence.end >= cue.start - 0.5 && sentence.start <= cue.end + 0.5,
                        "cue \(cue.start)–\(cue.end) s shows \"\(token)\" of \"\(sentence.text)\" (\(sentence.start)–\(sentence.end) s)")
            }
        }
        #expect(next == aligned.hypothesis.count, "the captions show \(next) of the transcript's \(aligned.hypothesis.count) words")
        #expect(placed * 10 >= aligned.hypothesis.count * 8)
    }
}
