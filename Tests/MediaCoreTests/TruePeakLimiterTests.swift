import Foundation
import Testing
@testable import MediaCore

@Suite struct TruePeakLimiterTests {
    /// Runs `samples` through a limiter in blocks of `blockFrames` frames.
    static func limit(_ samples: [Float], rate: Int, channels: Int, ceiling: Double, gain: Double = 0,
                      blockFrames: Int = 4096) -> (output: [Float], reductionDB: Double) {
        var limiter = TruePeakLimiter(sampleRate: rate, channels: channels, ceilingDBTP: ceiling, inputGainDB: gain)
        var output: [Float] = []
        samples.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let end = min(offset + blockFrames * channels, buffer.count)
                limiter.process(UnsafeBufferPointer(rebasing: buffer[offset..<end])) { output.append(contentsOf: $0) }
                offset = end
            }
        }
        limiter.finish { output.append(contentsOf: $0) }
        return (output, limiter.maxReductionDB)
    }

    static func truePeak(_ samples: [Float], rate: Int, channels: Int) throws -> Double {
        let meter = try LoudnessMeter(format: AudioFormat(sampleRate: rate, channels: channels))
        try samples.withUnsafeBufferPointer { try meter.add($0) }
        return try #require(meter.truePeakDBTP)
    }

    @Test(arguments: [1, 7, 441, 4096, 1_000_000], [1, 2])
    func outputHasTheInputsLengthWhateverTheBlockSize(blockFrames: Int, channels: Int) {
        let input = Signals.peakySpeech(seconds: 3, rate: 22_050, channels: channels)
        let whole = Self.limit(input, rate: 22_050, channels: channels, ceiling: -2.5, gain: 12, blockFrames: input.count)
        let blocks = Self.limit(input, rate: 22_050, channels: channels, ceiling: -2.5, gain: 12, blockFrames: blockFrames)
        #expect(blocks.output.count == input.count)
        #expect(blocks.output == whole.output, "block size changed the result")
        #expect(blocks.reductionDB > 5, "the test signal was not limited: \(blocks.reductionDB) dB")
    }

    @Test(arguments: [22_050, 48_000])
    func theTruePeakStaysUnderTheCeilingByLibebur128(rate: Int) throws {
        // Peaky speech pushed 15 dB, and a tone at a quarter of the rate sampled 45° off its
        // crests (samples at 0.71 of the true peak): both must end at the ceiling, not over.
        let speech = Signals.peakySpeech(seconds: 5, rate: rate, channels: 1)
        let quarter = (0..<(rate * 2)).map { Float(0.9 * sin(Double.pi / 2 * Double($0) + Double.pi / 4)) }
        for (name, input, gain) in [("speech", speech, 15.0), ("fs/4 tone", quarter, 0)] {
            let before = try Self.truePeak(input, rate: rate, channels: 1) + gain
            let (output, _) = Self.limit(input, rate: rate, channels: 1, ceiling: -3, gain: gain)
            let after = try Self.truePeak(output, rate: rate, channels: 1)
            #expect(before > -2, "\(name): input peak \(before) was not over the ceiling")
            #expect(after <= -3 + 0.05, "\(name): \(after) dBTP after limiting at -3")
            #expect(after > -3.5, "\(name): \(after) dBTP, limited far more than asked")
        }
    }

    @Test func underTheCeilingSamplesPassExactlyScaledWithNoDelay() {
        let input = Signals.tone(seconds: 2, rate: 24_000, channels: 2, frequency: 300, amplitude: 0.2)
            + Signals.noise(seconds: 1, rate: 24_000, channels: 2, amplitude: 0.1)
        let gain = 6.0  // peaks at 0.4 (−8 dBFS) under a −1 dBTP ceiling
        let (output, reduction) = Self.limit(input, rate: 24_000, channels: 2, ceiling: -1, gain: gain, blockFrames: 1000)
        let factor = Float(pow(10, gain / 20))
        #expect(output == input.map { $0 * factor })
        #expect(reduction == 0)
    }

    @Test func oneGainForAllChannelsAndItComesBackAfterAPeak() {
        // Left: a quiet tone with one loud burst; right: the quiet tone only.
        let rate = 24_000
        var input = Signals.tone(seconds: 3, rate: rate, channels: 2, frequency: 440, amplitude: 0.1)
        let burst = rate + 100
        for i in 0..<(rate / 20) { input[(burst + i) * 2] = Float(0.95 * sin(2 * Double.pi * 700 * Double(i) / Double(rate))) }
        let (output, reduction) = Self.limit(input, rate: rate, channels: 2, ceiling: -6)
        #expect(reduction > 4)
        // Inside the burst the right channel is turned down exactly as much as the left.
        let frame = burst + rate / 40
        let left = output[frame * 2] / input[frame * 2], right = output[frame * 2 + 1] / input[frame * 2 + 1]
        #expect(right < 0.7 && abs(left - right) < 1e-4, "left gain \(left), right gain \(right)")
        // Before the look-ahead (5 ms) nothing changes; half a second after the burst the gain is back.
        let untouchedBefore = (burst - rate / 100) * 2
        #expect(output[..<untouchedBefore] == input[..<untouchedBefore])
        let after = (burst + rate / 20 + rate / 2) * 2
        let recovered = zip(output[after...], input[after...]).allSatisfy { abs($0 - $1) <= 1e-3 * abs($1) + 1e-7 }
        #expect(recovered, "the gain did not come back within 0.5 s")
    }

    @Test func aDipLowersTheCeilingOnlyWhereItIs() {
        // A tone 6 dB under a 0 dBTP ceiling, with the ceiling lowered 9 dB over the second second.
        let rate = 24_000
        let input = Signals.tone(seconds: 3, rate: rate, channels: 1, frequency: 440, amplitude: 0.5)
        var limiter = TruePeakLimiter(sampleRate: rate, channels: 1, ceilingDBTP: 0,
                                      dips: [CeilingDip(startFrame: Int64(rate), endFrame: Int64(2 * rate), reductionDB: 9)])
        var output: [Float] = []
        input.withUnsafeBufferPointer { limiter.process($0) { output.append(contentsOf: $0) } }
        limiter.finish { output.append(contentsOf: $0) }
        #expect(output.count == input.count)
        #expect(output[..<(rate - rate / 100)] == input[..<(rate - rate / 100)])
        let inside = output[(rate + rate / 10)..<(2 * rate - rate / 100)].map(abs).max() ?? 0
        #expect(inside <= Float(pow(10, -9.0 / 20)) * 1.01 && inside > 0.3, "peak inside the dip \(inside)")
        let late = 2 * rate + rate / 2
        #expect(zip(output[late...], input[late...]).allSatisfy { abs($0 - $1) <= 1e-3 * abs($1) + 1e-7 })
    }
}
