import Foundation
import Testing
@testable import MediaCore

struct ConcatenationTests {
    func write(_ samples: [Float], _ path: String, rate: Int) throws {
        let encoder = try AudioEncoder(path: path, options: .init(format: .wav, audio: .init(sampleRate: rate, channels: 1)))
        try samples.withUnsafeBufferPointer { try encoder.write($0) }
        try encoder.finish()
    }

    @Test("inputs are joined in order with the pauses asked for, and the joins do not click")
    func joinsWithoutClicks() throws {
        let dir = try TemporaryDirectory()
        let rate = 24_000
        // A tone cut at its peak, then a tone that starts at its opposite peak: a hard join would jump by 1.0.
        let a = (0..<Int(0.7 * Double(rate))).map { i in 0.5 * Float(sin(2 * Double.pi * 300 * Double(i) / Double(rate) + .pi / 2)) }
        let b = (0..<Int(0.9 * Double(rate))).map { i in -0.5 * Float(cos(2 * Double.pi * 500 * Double(i) / Double(rate))) }
        try write(Array(a.prefix(16_800)), dir.file("a.wav"), rate: rate)
        try write(b, dir.file("b.wav"), rate: rate)
        try write(b, dir.file("c.wav"), rate: rate)
        let out = dir.file("joined.wav")
        let spans = try AudioConcatenation.concatenate(
            [.init(path: dir.file("a.wav"), pauseAfter: 0), .init(path: dir.file("b.wav"), pauseAfter: 0.25), .init(path: dir.file("c.wav"))],
            to: out, options: .init(format: .wav, audio: .init(sampleRate: rate, channels: 1)))
        let joined = try decodeAll(out, format: .init(sampleRate: rate, channels: 1))
        #expect(joined.count == 16_800 + b.count + 6000 + b.count)
        #expect(spans.map(\.startFrame) == [0, 16_800, Int64(16_800 + b.count + 6000)])
        #expect(abs(spans[2].startSeconds - (0.7 + 0.9 + 0.25)) < 1e-9)
        // The largest step between samples stays that of the tones themselves (500 Hz at 0.5: ~0.065).
        let steps = zip(joined, joined.dropFirst()).map { abs($1 - $0) }
        #expect((steps.max() ?? 1) < 0.08)
        // The pause is silent.
        let pause = (16_800 + b.count + 200)..<(16_800 + b.count + 5800)
        #expect(rms(joined[pause]) == 0)
    }

    @Test("a failing input names itself and leaves no output behind")
    func failingInput() throws {
        let dir = try TemporaryDirectory()
        let out = dir.file("joined.mp3")
        #expect(throws: MediaError.self) {
            try AudioConcatenation.concatenate([.init(path: fixtures + "/bad/text.mp3")], to: out,
                                               options: .init(format: .mp3, audio: .init(sampleRate: 24_000, channels: 1)))
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
