import Foundation

/// Encodes the fakes' speech in the format a client asked for.
///
/// Seam: WAV and raw PCM are written by hand; compressed formats need MediaCore's
/// `AudioEncoder` and are reported unsupported until it is available to this target.
enum FakeAudioEncoding {
    enum Format: String {
        case wav, pcm, mp3, opus, flac, aac
    }

    struct Unsupported: Error { let format: String }

    static func encode(_ samples: [Int16], sampleRate: Int, as format: Format) throws -> Data {
        switch format {
        case .wav: return FakeSpeech.wav(samples, sampleRate: sampleRate)
        case .pcm: return FakeSpeech.pcmBytes(samples)
        case .mp3, .opus, .flac, .aac: throw Unsupported(format: format.rawValue)
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

    /// The duration of received audio: exact for WAV, otherwise estimated from the size at
    /// 128 kbit/s (what a typical MP3 upload carries).
    static func duration(of audio: Data) -> Double {
        if let wav = wavDuration(audio) { return wav }
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
