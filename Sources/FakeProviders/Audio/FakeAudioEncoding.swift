import Foundation
import MediaCore

/// Encodes the fakes' speech in the format a client asked for: WAV and raw PCM by hand,
/// compressed formats through MediaCore's `AudioEncoder` (real MP3/Opus/FLAC/AAC bytes).
enum FakeAudioEncoding {
    enum Format: String {
        case wav, pcm, mp3, opus, flac, aac
    }

    struct Unsupported: Error { let format: String }

    static func encode(_ samples: [Int16], sampleRate: Int, as format: Format) throws -> Data {
        switch format {
        case .wav: return FakeSpeech.wav(samples, sampleRate: sampleRate)
        case .pcm: return FakeSpeech.pcmBytes(samples)
        case .mp3: return try compressed(samples, sampleRate: sampleRate, as: .mp3)
        case .opus: return try compressed(samples, sampleRate: sampleRate, as: .opus)
        case .flac: return try compressed(samples, sampleRate: sampleRate, as: .flac)
        case .aac: return try compressed(samples, sampleRate: sampleRate, as: .m4a)  // AAC in MP4, not raw ADTS
        }
    }

    private static func compressed(_ samples: [Int16], sampleRate: Int, as format: AudioFileFormat) throws -> Data {
        let path = NSTemporaryDirectory() + "fake-speech-\(UUID().uuidString).\(format.fileExtension)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let encoder = try AudioEncoder(path: path, options: EncoderOptions(format: format, audio: AudioFormat(sampleRate: sampleRate, channels: 1)))
            try samples.map { Float($0) / 32768 }.withUnsafeBufferPointer { try encoder.write($0) }
            try encoder.finish()
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Unsupported(format: "\(format.rawValue): \(error)")
        }
    }

    static func contentType(_ format: Format) -> String {
        switch format {
        case .wav: "audio/wav"
        case .pcm: "audio/pcm"
        case .mp3: "audio/mpeg"
        case .opus: "audio/ogg"
        case .flac: "audio/flac"
        case .aac: "audio/aac"
        }
    }

    /// The duration of received audio: exact for WAV, probed with MediaCore for other media,
    /// else estimated from the size at 128 kbit/s (what a typical MP3 upload carries).
    static func duration(of audio: Data) -> Double {
        if let wav = wavDuration(audio) { return wav }
        let path = NSTemporaryDirectory() + "fake-upload-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        if (try? audio.write(to: URL(fileURLWithPath: path))) != nil, let seconds = try? MediaProbe.probe(path: path).durationSeconds, seconds > 0 {
            return seconds
        }
        return Double(audio.count) / 16_000
    }

    private static func wavDuration(_ data: Data) -> Double? {
        let bytes = [UInt8](data.prefix(4096))
        guard bytes.count >= 44, bytes[0..<4] == [0x52, 0x49, 0x46, 0x46], bytes[8..<12] == [0x57, 0x41, 0x56, 0x45] else { return nil }
        func u32(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24 }
        var offset = 12
        var byteRate = 0
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            if id == "fmt " { byteRate = u32(offset + 16) }
            if id == "data", byteRate > 0 {
                let available = data.count - (offset + 8)
                return Double(min(size, available)) / Double(byteRate)
            }
            offset += 8 + size + (size & 1)
        }
        return nil
    }
}
