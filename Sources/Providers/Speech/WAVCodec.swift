import Foundation

/// Reads and writes 16-bit PCM WAV files by hand: the seam used until MediaCore's encoder and
/// decoder are available to this module (Cloud TTS `LINEAR16` answers are WAV files).
enum WAVCodec {
    /// Parses a RIFF/WAVE file with 16-bit integer PCM (no copy of the payload before the
    /// conversion to Float). nil when the bytes are not such a file.
    static func decode(_ data: Data) -> PCMAudio? {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> PCMAudio? in
            guard bytes.count >= 44, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else { return nil }
            func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
            func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
            var offset = 12
            var rate = 0
            var channels = 0
            var bits = 0
            var format = 0
            while offset + 8 <= bytes.count {
                let size = u32(offset + 4)
                if bytes[offset..<offset + 4].elementsEqual("fmt ".utf8), offset + 24 <= bytes.count {
                    format = u16(offset + 8)
                    channels = u16(offset + 10)
                    rate = u32(offset + 12)
                    bits = u16(offset + 22)
                } else if bytes[offset..<offset + 4].elementsEqual("data".utf8) {
                    // 1 = integer PCM; 0xFFFE = WAVE_FORMAT_EXTENSIBLE (PCM when 16-bit here).
                    guard format == 1 || format == 0xFFFE, bits == 16, rate > 0, channels > 0 else { return nil }
                    let end = min(bytes.count, offset + 8 + size)
                    return PCMAudio(s16le: UnsafeRawBufferPointer(rebasing: bytes[(offset + 8)..<end]), sampleRate: rate, channels: channels)
                }
                offset += 8 + size + (size & 1)
            }
            return nil
        }
    }

    /// A 16-bit PCM WAV file.
    static func encode(_ audio: PCMAudio) -> Data {
        var data = Data(capacity: 44 + audio.samples.count * 2)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { data.append(contentsOf: $0) } }
        let payload = audio.samples.count * 2
        data.append(contentsOf: Array("RIFF".utf8)); u32(36 + payload); data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(audio.channels); u32(audio.sampleRate)
        u32(audio.sampleRate * audio.channels * 2); u16(audio.channels * 2); u16(16)
        data.append(contentsOf: Array("data".utf8)); u32(payload)
        for sample in audio.samples {
            let value = Int16(max(-1, min(1, sample)) * 32767)
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }
}
