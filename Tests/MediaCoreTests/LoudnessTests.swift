import Foundation
import Testing
@testable import MediaCore

/// FFmpeg's own EBU R128 meter (`-af ebur128=peak=true`), run as a separate process: the
/// independent check of what `LoudnessMeter` and `normalizeLoudness` claim.
enum FFmpegLoudness {
    static func measure(_ path: String) throws -> (integrated: Double, truePeak: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-nostats", "-hide_banner", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-"]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        // The Summary block is last; its "I:" and (under "True peak:") "Peak:" lines.
        let summary = try #require(text.range(of: "Summary:", options: .backwards)).upperBound
        func value(after label: String) throws -> Double {
            let line = try #require(text[summary...].split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) })
            let number = line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces).split(separator: " ")[0]
            return try #require(Double(number))
        }
        return (try value(after: "I:"), try value(after: "Peak:"))
    }
}

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
    func normalisingLandsOnTheTargetCheckedByFFmpeg(level: Double, name: String) throws {
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
            let ffmpeg = try FFmpegLoudness.measure(output)
            #expect(abs(ffmpeg.integrated - (-18)) <= 1, "\(fileFormat): ffmpeg I \(ffmpeg.integrated)")
            #expect(ffmpeg.truePeak <= -1.5, "\(fileFormat): ffmpeg true peak \(ffmpeg.truePeak)")
            #expect(abs(ffmpeg.integrated - after) < 0.5, "\(fileFormat): meters disagree, ffmpeg \(ffmpeg.integrated), ours \(after)")
        }
    }

    @Test func aPeakyInputIsHeldUnderTheTruePeakLimitNotDistorted() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/clicks.flac"
        // Quiet hum with loud clicks: reaching −18 LUFS would push the clicks over 0 dBTP.
        var signal = Signals.tone(seconds: 6, rate: 48_000, channels: 1, frequency: 200, amplitude: 0.01)
        for second in 0..<6 { signal[second * 48_000 + 100] = 0.9 }
        try write(signal, to: input, format: format)
        let output = dir + "/clicks.flac.out.flac"
        let report = try normalizeLoudness(input: input, output: output, options: EncoderOptions(format: .flac, audio: format))
        #expect(report.peakLimited)
        #expect(try #require(report.output.integratedLUFS) < -19, "quieter than the target, as documented")
        #expect(try FFmpegLoudness.measure(output).truePeak <= -1.5)
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
