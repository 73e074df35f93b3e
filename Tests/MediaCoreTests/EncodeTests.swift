import Foundation
import TestSupport
import Testing
@testable import MediaCore

/// Runs the `ffmpeg` command (an independent reader) and returns the decoded frame count.
func ffmpegDecodedFrames(_ path: String, rate: Int, channels: Int) async throws -> Int {
    let result = try await Command.run(["/usr/bin/ffmpeg", "-v", "error", "-i", path, "-f", "f32le", "-ac", "\(channels)", "-ar", "\(rate)", "-"])
    guard result.status == 0 else { throw MediaError(.decodeFailed, path: path, reason: "ffmpeg exit \(result.status)") }
    return result.stdout.count / 4 / channels
}

struct EncodeTests {
    static let cases: [(AudioFileFormat, AudioFormat)] = [
        (.wav, .init(sampleRate: 16_000, channels: 1)), (.flac, .init(sampleRate: 44_100, channels: 2)),
        (.mp3, .init(sampleRate: 16_000, channels: 1)), (.mp3, .init(sampleRate: 44_100, channels: 2)),
        (.opus, .init(sampleRate: 48_000, channels: 2)), (.opus, .init(sampleRate: 16_000, channels: 1)),
        (.m4a, .init(sampleRate: 44_100, channels: 2)), (.m4a, .init(sampleRate: 16_000, channels: 1)),
    ]

    @Test("encoded files decode again, with our decoder and with the ffmpeg command, to the same audio", arguments: cases)
    func roundTrip(format: AudioFileFormat, audio: AudioFormat) async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("out." + format.fileExtension)
        let signal = Signals.speechLike(toneSeconds: [1.3, 1.1], silenceSeconds: [0.6], rate: audio.sampleRate, channels: audio.channels).samples
        let encoder = try AudioEncoder(path: path, options: EncoderOptions(format: format, audio: audio, metadata: ["title": "Round trip"]))
        try signal.withUnsafeBufferPointer { buffer in
            // Uneven writes exercise the encoder's frame buffering.
            var offset = 0
            var step = 777 * audio.channels
            while offset < buffer.count {
                let end = min(offset + step, buffer.count)
                try encoder.write(UnsafeBufferPointer(rebasing: buffer[offset..<end]))
                offset = end
                step = step * 3 % 5000 * audio.channels / audio.channels + audio.channels
            }
        }
        try encoder.finish()
        let frames = signal.count / audio.channels
        let decoded = try decodeAll(path, format: audio)
        let ffmpegFrames = try await ffmpegDecodedFrames(path, rate: audio.sampleRate, channels: audio.channels)
        let lossless = format == .wav || format == .flac
        // Lossless is exact; lossy codecs may add at most one codec frame of padding.
        let tolerance = lossless ? 0 : 2048
        #expect(abs(decoded.count / audio.channels - frames) <= tolerance)
        #expect(abs(ffmpegFrames - frames) <= tolerance)
        if lossless {
            let maxError = zip(decoded, signal).map { abs($0 - $1) }.max() ?? 1
            #expect(maxError <= 1.0 / 32_768 + 1e-6)
        }
        let info = try MediaProbe.probe(path: path)
        // Opus always decodes at 48 kHz, whatever rate it was given.
        #expect(info.audio?.sampleRate == (format == .opus ? 48_000 : audio.sampleRate))
        #expect(info.audio?.channels == audio.channels)
        #expect((info.tags["title"] ?? info.audio?.tags["title"]) == "Round trip")
        // The silence in the middle is still silent and the tones still loud.
        let toneEnd = Int(1.3 * Double(audio.sampleRate)) * audio.channels
        #expect(rms(decoded[(toneEnd / 4)..<(toneEnd * 3 / 4)]) > 0.2)
        let gap = (toneEnd + Int(0.15 * Double(audio.sampleRate)) * audio.channels)..<(toneEnd + Int(0.45 * Double(audio.sampleRate)) * audio.channels)
        #expect(rms(decoded[gap]) < 0.01)
    }

    @Test("compression level changes the effort and size, never the decoded audio")
    func compressionLevel() throws {
        let dir = try TemporaryDirectory()
        let audio = AudioFormat(sampleRate: 24_000, channels: 1)
        let signal = Signals.speechLike(toneSeconds: [1.0, 0.8], silenceSeconds: [0.4], rate: 24_000, channels: 1).samples
            + Signals.noise(seconds: 1, rate: 24_000, channels: 1)
        func encode(_ name: String, _ format: AudioFileFormat, level: Int?) throws -> String {
            let path = dir.file(name)
            let encoder = try AudioEncoder(path: path, options: EncoderOptions(format: format, audio: audio, compressionLevel: level))
            try signal.withUnsafeBufferPointer { try encoder.write($0) }
            try encoder.finish()
            return path
        }
        let fastest = try encode("l0.flac", .flac, level: 0)
        let smallest = try encode("l12.flac", .flac, level: 12)
        let size = { (path: String) in (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        #expect(try size(smallest) < size(fastest))
        #expect(try decodeAll(fastest, format: audio) == decodeAll(smallest, format: audio))
        // mp3: MediaCore's default (LAME quality 7) and LAME's own default (3) give the same
        // length and the same loudness of tone and noise.
        let byDefault = try decodeAll(try encode("default.mp3", .mp3, level: nil), format: audio)
        let lameDefault = try decodeAll(try encode("q3.mp3", .mp3, level: 3), format: audio)
        #expect(byDefault.count == lameDefault.count && abs(byDefault.count - signal.count) <= 2048)
        let tone = 6_000..<18_000
        #expect(abs(rms(byDefault[tone]) - rms(lameDefault[tone])) < 0.02)
        #expect(abs(rms(byDefault[tone]) - rms(signal[tone])) < 0.03)
    }

    @Test("an encoder dropped without finish leaves no partial file")
    func abandonedEncoderCleansUp() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("partial.flac")
        do {
            let encoder = try AudioEncoder(path: path, options: .init(format: .flac, audio: .init(sampleRate: 16_000, channels: 1)))
            let tone = Signals.tone(seconds: 1, rate: 16_000, channels: 1)
            try tone.withUnsafeBufferPointer { try encoder.write($0) }
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("formats refuse sample rates they cannot hold, naming the allowed ones")
    func invalidRates() {
        do {
            _ = try AudioEncoder(path: "/tmp/x.opus", options: .init(format: .opus, audio: .init(sampleRate: 44_100, channels: 1)))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("48000"))
        }
    }

    @Test("m4b carries chapters and tags")
    func chapters() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("book.m4b")
        let chapters = [Chapter(title: "One", start: 0, end: 1), Chapter(title: "Two", start: 1, end: 2)]
        let encoder = try AudioEncoder(path: path, options: .init(
            format: .m4b, audio: .init(sampleRate: 44_100, channels: 1), metadata: ["title": "Book", "artist": "Author"], chapters: chapters))
        let tone = Signals.tone(seconds: 2, rate: 44_100, channels: 1)
        try tone.withUnsafeBufferPointer { try encoder.write($0) }
        try encoder.finish()
        let data = try await Command.run(["/usr/bin/ffprobe", "-v", "error", "-show_chapters", "-show_format", "-of", "json", path]).stdout
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let found = try #require(json["chapters"] as? [[String: Any]])
        #expect(found.compactMap { ($0["tags"] as? [String: String])?["title"] } == ["One", "Two"])
        let tags = (json["format"] as? [String: Any])?["tags"] as? [String: String]
        #expect(tags?["title"] == "Book")
        #expect(tags?["artist"] == "Author")
    }
}
