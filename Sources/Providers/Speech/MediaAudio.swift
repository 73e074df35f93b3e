import Foundation
import MediaCore

/// The bridge between provider audio and MediaCore: decodes whatever a service returned (MP3,
/// WAV, Ogg…) into `PCMAudio`, and writes `PCMAudio` in any format MediaCore encodes. FFmpeg
/// work runs on a dedicated thread, off Swift's cooperative pool.
package enum MediaAudio {
    /// Decodes encoded audio to mono samples at `sampleRate` (default: the file's own rate).
    /// - Throws: `ProviderError(.invalidResponse)` when the bytes are not audio FFmpeg can read.
    package static func decode(_ data: Data, fileExtension: String, provider: String, sampleRate: Int? = nil) async throws -> PCMAudio {
        let path = temporaryPath(fileExtension)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try data.write(to: URL(fileURLWithPath: path))
        do {
            return try await decodeFile(path, sampleRate: sampleRate)
        } catch let error as MediaError {
            throw ProviderError(.invalidResponse, provider: provider, code: "audio", message: "returned audio cannot be decoded: \(error.code)")
        }
    }

    /// Decodes a file to mono samples at `sampleRate` (default: the file's own rate).
    /// - Throws: `MediaError`.
    package static func decodeFile(_ path: String, sampleRate: Int? = nil) async throws -> PCMAudio {
        try await runOnDedicatedThread(name: "provider-audio") {
            let info = try MediaProbe.probe(path: path)
            let rate = sampleRate ?? info.audio?.sampleRate ?? 24_000
            let decoder = try AudioDecoder(path: path, output: AudioFormat(sampleRate: rate, channels: 1))
            var samples: [Float] = []
            try decoder.decode { samples.append(contentsOf: $0) }
            return PCMAudio(samples: samples, sampleRate: rate)
        }
    }

    /// Writes `audio` to `path` as `format`. A rate the format cannot take (Opus at 22,050 Hz)
    /// is resampled through MediaCore's decoder to the nearest rate it accepts.
    /// - Throws: `MediaError` naming the file.
    package static func write(_ audio: PCMAudio, to path: String, format: AudioFileFormat) async throws {
        var audio = audio
        let target = AudioFormat(sampleRate: audio.sampleRate, channels: audio.channels)
        if (try? EncoderOptions(format: format, audio: target).validate()) == nil, let rate = bestRate(for: format, from: audio.sampleRate) {
            let scratch = temporaryPath("wav")
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            try WAVCodec.encode(audio).write(to: URL(fileURLWithPath: scratch))
            audio = try await decodeFile(scratch, sampleRate: rate)
        }
        let ready = audio
        try await runOnDedicatedThread(name: "provider-audio") {
            let encoder = try AudioEncoder(
                path: path, options: EncoderOptions(format: format, audio: AudioFormat(sampleRate: ready.sampleRate, channels: ready.channels)))
            try ready.samples.withUnsafeBufferPointer { try encoder.write($0) }
            try encoder.finish()
        }
    }

    /// The smallest rate `format` accepts that is at least `rate` (else the largest).
    static func bestRate(for format: AudioFileFormat, from rate: Int) -> Int? {
        let candidates = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000].filter { candidate in
            (try? EncoderOptions(format: format, audio: AudioFormat(sampleRate: candidate, channels: 1)).validate()) != nil
        }
        return candidates.first { $0 >= rate } ?? candidates.last
    }

    static func temporaryPath(_ fileExtension: String) -> String {
        NSTemporaryDirectory() + "provider-audio-\(UUID().uuidString).\(fileExtension)"
    }
}
