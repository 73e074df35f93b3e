import Foundation
import Testing

@testable import Providers

struct EspeakEngineTests {
    @Test func producesAudibleSpeechOfPlausibleLength() async throws {
        let text = "The quick brown fox jumps over the lazy dog, and then it rests for a while."
        let audio = try await EspeakEngine(voice: "en", rate: 175).synthesize(text)
        let words = Double(text.split(separator: " ").count)
        // 175 words a minute: 16 words take about 5.5 s; allow for pauses and pace.
        #expect(audio.duration > words / 175 * 60 * 0.6)
        #expect(audio.duration < words / 175 * 60 * 1.6)
        #expect(audio.sampleRate == 22_050)
        #expect(audio.rms > 0.02)
        // Speech has pauses: some 20 ms windows are near silent, most are not.
        let window = audio.sampleRate / 50
        let loud = stride(from: 0, to: audio.samples.count - window, by: window).filter { start in
            audio.samples[start..<start + window].map { abs($0) }.max() ?? 0 > 0.05
        }.count
        #expect(Double(loud) / Double(audio.samples.count / window) > 0.5)
    }

    @Test func fasterRateGivesShorterAudio() async throws {
        let text = "Counting slowly from one to ten, one two three four five six seven eight nine ten."
        let slow = try await EspeakEngine(rate: 120).synthesize(text)
        let fast = try await EspeakEngine(rate: 300).synthesize(text)
        #expect(fast.duration < slow.duration * 0.7)
    }

    @Test func concurrentCallersEachGetTheirOwnSpeech() async throws {
        let texts = ["One short line.", "A second, somewhat longer line of text to speak.", "Three.", "Four words are here."]
        var serial: [PCMAudio] = []
        for text in texts { serial.append(try await EspeakEngine().synthesize(text)) }
        let concurrent = try await withThrowingTaskGroup(of: (Int, PCMAudio).self) { group in
            for (index, text) in texts.enumerated() { group.addTask { (index, try await EspeakEngine().synthesize(text)) } }
            var results = [PCMAudio?](repeating: nil, count: texts.count)
            for try await (index, audio) in group { results[index] = audio }
            return results.compactMap { $0 }
        }
        // espeak-ng varies a few samples from call to call; mixed-up or shared buffers would
        // give lengths far apart (the texts differ in length by up to 9×).
        for (mine, reference) in zip(concurrent, serial) {
            #expect(abs(mine.duration - reference.duration) < 0.1 * reference.duration + 0.05, "\(mine.duration) vs \(reference.duration)")
            #expect(mine.rms > 0.02)
        }
    }

    @Test func unknownVoiceIsAClearError() async throws {
        let error = await #expect(throws: ProviderError.self) { try await EspeakEngine(voice: "no-such-voice-xx").synthesize("hello") }
        #expect(error?.kind == .invalidInput)
        #expect(error?.description.contains("no-such-voice-xx") == true)
    }
}
