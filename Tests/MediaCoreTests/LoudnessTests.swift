import Foundation
import Testing
import TestSupport
@testable import MediaCore

@Suite struct LoudnessTests {
    let format = AudioFormat(sampleRate: 48_000, channels: 1)

    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "loudness-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func write(_ samples: [Float], to path: String, format: AudioFormat) throws {
        let encoder = try AudioEncoder(path: path, options: EncoderOptions(format: .flac, audio: format))
        try samples.withUnsafeBufferPointer { try encoder.write($0) }
        try encoder.finish()
    }

    @Test func aSineAtMinus20dBFSMeasuresMinus23LUFS() throws {
        // A full-scale 1 kHz sine is −3.01 LUFS (BS.1770), so −20 dBFS peak is −23.01 LUFS.
        let amplitude = Float(pow(10, -20.0 / 20))
        let meter = try LoudnessMeter(format: format)
        let tone = Signals.tone(seconds: 5, rate: 48_000, channels: 1, frequency: 1000, amplitude: amplitude)
        try tone.withUnsafeBufferPointer { buffer in  // odd block sizes: the meter must not care
            var offset = 0
            while offset < buffer.count {
                let end = min(offset + 777, buffer.count)
                try meter.add(UnsafeBufferPointer(rebasing: buffer[offset..<end]))
                offset = end
            }
        }
        let lufs = try #require(meter.integratedLUFS)
        #expect(abs(lufs - (-23.01)) < 0.5, "\(lufs)")
        let peak = try #require(meter.truePeakDBTP)
        #expect(abs(peak - (-20)) < 0.5, "\(peak)")
    }

    @Test(arguments: [(-35.0, "quiet"), (-3.0, "loud")])
    func normalisingLandsOnTheTargetCheckedByFFmpeg(level: Double, name: String) async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/\(name).flac"
        // Two tones and a noise burst with pauses, so the gate and the peaks both matter.
        let amplitude = Float(pow(10, level / 20))
        let signal = Signals.tone(seconds: 2, rate: 48_000, channels: 1, frequency: 440, amplitude: amplitude)
            + Signals.silence(seconds: 0.5, rate: 48_000, channels: 1)
            + Signals.noise(seconds: 1.5, rate: 48_000, channels: 1, amplitude: amplitude * 0.7)
            + Signals.tone(seconds: 2, rate: 48_000, channels: 1, frequency: 1200, amplitude: amplitude * 0.5)
        try write(signal, to: input, format: format)
        for fileFormat in [AudioFileFormat.mp3, .m4b, .flac] {
            let output = dir + "/\(name)-out.\(fileFormat.fileExtension)"
            let report = try normalizeLoudness(input: input, output: output, options: EncoderOptions(format: fileFormat, audio: format))
            let before = try #require(report.input.integratedLUFS)
            #expect(abs(before - report.targetLUFS) > 5, "input was not far from the target: \(before)")
            let after = try #require(report.output.integratedLUFS)
            #expect(abs(after - (-18)) <= 1, "\(fileFormat): ours \(after)")
            #expect(try #require(report.output.truePeakDBTP) <= -1.5, "\(fileFormat)")
            let ffmpeg = try await FFmpegLoudness.measure(output)
            #expect(abs(ffmpeg.integrated - (-18)) <= 1, "\(fileFormat): ffmpeg I \(ffmpeg.integrated)")
            #expect(ffmpeg.truePeak <= -1.5, "\(fileFormat): ffmpeg true peak \(ffmpeg.truePeak)")
            #expect(abs(ffmpeg.integrated - after) < 0.5, "\(fileFormat): meters disagree, ffmpeg \(ffmpeg.integrated), ours \(after)")
        }
    }

    @Test(arguments: [AudioFileFormat.mp3, .m4b])
    func peakySpeechReachesTheTargetUnderTheTruePeakLimit(fileFormat: AudioFileFormat) async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Narration-like: one plain gain would stop about 4 dB short of −18 LUFS at −1.5 dBTP.
        let format = AudioFormat(sampleRate: 22_050, channels: 1)
        let input = dir + "/speech.flac"
        try write(Signals.peakySpeech(seconds: 20, rate: 22_050, channels: 1), to: input, format: format)
        let output = dir + "/speech.\(fileFormat.fileExtension)"
        let report = try normalizeLoudness(input: input, output: output, options: EncoderOptions(format: fileFormat, audio: format))
        let crest = try #require(report.input.truePeakDBTP) - (try #require(report.input.integratedLUFS))
        #expect(crest > 20, "the input is not peaky: \(crest) dB")
        #expect(report.peakLimited && report.plan.limiterMaxReductionDB > 3)
        let ffmpeg = try await FFmpegLoudness.measure(output)
        #expect(abs(ffmpeg.integrated - (-18)) <= 0.5, "\(fileFormat): ffmpeg I \(ffmpeg.integrated)")
        #expect(ffmpeg.truePeak <= -1.5, "\(fileFormat): ffmpeg true peak \(ffmpeg.truePeak)")
        #expect(abs(try #require(report.output.integratedLUFS) - ffmpeg.integrated) < 0.2)
    }

    @Test func limitedOutputHasTheInputsLengthToTheSample() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/speech.wav"
        let signal = Signals.peakySpeech(seconds: 7.3, rate: 48_000, channels: 1)
        let encoder = try AudioEncoder(path: input, options: EncoderOptions(format: .wav, audio: format))
        try signal.withUnsafeBufferPointer { try encoder.write($0) }
        try encoder.finish()
        let report = try normalizeLoudness(input: input, output: dir + "/out.wav", options: EncoderOptions(format: .wav, audio: format))
        #expect(report.peakLimited)
        let frames = try AudioDecoder(path: dir + "/out.wav", output: format).decode { _ in }
        #expect(frames == Int64(signal.count))
        #expect(abs(try await FFmpegLoudness.measure(dir + "/out.wav").integrated - (-18)) <= 0.2)
    }

    @Test func aSignalThatNeedsNoLimitingGetsExactlyThePlainGain() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/quiet.wav"
        let signal = Signals.tone(seconds: 3, rate: 48_000, channels: 1, frequency: 500, amplitude: 0.02)
            + Signals.noise(seconds: 2, rate: 48_000, channels: 1, amplitude: 0.02)
        let encoder = try AudioEncoder(path: input, options: EncoderOptions(format: .wav, audio: format))
        try signal.withUnsafeBufferPointer { try encoder.write($0) }
        try encoder.finish()
        let report = try normalizeLoudness(input: input, output: dir + "/out.wav", options: EncoderOptions(format: .wav, audio: format))
        #expect(!report.peakLimited)
        #expect(abs(report.gainDB - (-18 - (try #require(report.input.integratedLUFS)))) < 1e-9)
        var original: [Float] = [], normalised: [Float] = []
        try AudioDecoder(path: input, output: format).decode { original.append(contentsOf: $0) }
        try AudioDecoder(path: dir + "/out.wav", output: format).decode { normalised.append(contentsOf: $0) }
        #expect(normalised.count == original.count)
        // Every sample is the input's times the gain, to the 16-bit step the wav stores.
        let factor = Float(pow(10, report.gainDB / 20))
        let worst = zip(original, normalised).map { abs($0 * factor - $1) }.max() ?? 0
        #expect(worst <= 1.0 / 32_768, "a sample moved by \(worst * 32_768) steps")
    }

    @Test func silenceGetsNoGainAndSaysSo() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/silence.flac"
        try write(Signals.silence(seconds: 3, rate: 48_000, channels: 1), to: input, format: format)
        let report = try normalizeLoudness(input: input, output: dir + "/out.flac", options: EncoderOptions(format: .flac, audio: format))
        #expect(report.silent)
        #expect(report.gainDB == 0)
        #expect(report.output.integratedLUFS == nil)
        #expect(FileManager.default.fileExists(atPath: dir + "/out.flac"))
    }
}
