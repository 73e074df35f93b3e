import Foundation
import Testing
@testable import MediaCore

struct DecodeTests {
    /// Every fixture holds tone 1 s, silence 0.5 s, tone 1 s (2.5 s).
    static let formats = [
        "id3-xing.mp3", "bare.mp3", "ulaw.wav", "alaw.wav", "u8.wav", "s24.wav", "f32.wav", "16bit.flac", "24bit.flac",
        "opus.ogg", "vorbis.ogg", "cover.m4a", "video.mp4", "video.mkv", "video.webm", "surround-7.1.flac",
    ]

    @Test("every format decodes to the right length with the tone and the silence where they belong", arguments: formats)
    func decodesFormat(name: String) throws {
        let format = AudioFormat(sampleRate: 16_000, channels: 1)
        let samples = try decodeAll(fixtures + "/formats/" + name, format: format)
        let seconds = Double(samples.count) / 16_000
        #expect(abs(seconds - 2.5) < 0.08, "decoded \(seconds) s")
        // Loud in the tones, silent in the gap (lossy codecs smear a little at the edges).
        #expect(rms(samples[3200..<12800]) > 0.1)
        #expect(rms(samples[17_600..<22_400]) < 0.01)
        #expect(rms(samples[28_000..<36_800]) > 0.1)
    }

    @Test("probe reports container, codec, rate, layout and every stream; a cover image is a stream, not the audio")
    func probeCoverArt() throws {
        let info = try MediaProbe.probe(path: fixtures + "/formats/cover.m4a")
        #expect(info.streams.count == 2)
        let audio = try #require(info.audio)
        #expect(audio.codec == "aac")
        #expect(audio.sampleRate == 48_000)
        #expect(audio.channels == 2)
        #expect(audio.channelLayout == "stereo")
        #expect(info.streams[1].isAttachedPicture)
        #expect(abs((info.durationSeconds ?? 0) - 2.5) < 0.05)
    }

    @Test("probe reads tags and bit depth")
    func probeTags() throws {
        let mp3 = try MediaProbe.probe(path: fixtures + "/formats/id3-xing.mp3")
        #expect(mp3.tags["title"] == "ID3 tagged")
        #expect(mp3.container == "mp3")
        #expect((mp3.bitRate ?? 0) > 50_000)
        let flac = try MediaProbe.probe(path: fixtures + "/formats/24bit.flac")
        #expect(flac.audio?.bitsPerSample == 24)
        let surround = try MediaProbe.probe(path: fixtures + "/formats/surround-7.1.flac")
        #expect(surround.audio?.channels == 8)
        #expect(surround.audio?.channelLayout == "7.1")
    }

    @Test("down-mixing 7.1 keeps the centre channel's speech in mono and stereo")
    func downmix() throws {
        for channels in [1, 2] {
            let samples = try decodeAll(fixtures + "/formats/surround-7.1.flac", format: .init(sampleRate: 16_000, channels: channels))
            let level = rms(samples[0..<(16_000 * channels)])
            // The 0.5-amplitude centre tone (RMS 0.354) arrives at -3 dB or so, not lost, not clipped.
            #expect(level > 0.1 && level < 0.36, "rms \(level) for \(channels) ch")
            #expect(samples.allSatisfy { abs($0) <= 1 })
        }
    }

    @Test("resampling keeps the pitch: 440 Hz stays 440 Hz", arguments: [8000, 22_050, 44_100, 96_000])
    func resamplePitch(rate: Int) throws {
        let dir = try TemporaryDirectory()
        let source = dir.file("tone.wav")
        let encoder = try AudioEncoder(path: source, options: .init(format: .wav, audio: .init(sampleRate: 48_000, channels: 2)))
        let tone = Signals.tone(seconds: 2.5, rate: 48_000, channels: 2)
        try tone.withUnsafeBufferPointer { try encoder.write($0) }
        try encoder.finish()
        let samples = try decodeAll(source, format: .init(sampleRate: rate, channels: 1))
        #expect(abs(Double(samples.count) / Double(rate) - 2.5) < 0.01)
        let first = samples[rate / 2..<(rate * 3 / 2)]   // 1 s from the middle
        var crossings = 0
        for i in first.indices.dropFirst() where (first[i - 1] < 0) != (first[i] < 0) { crossings += 1 }
        #expect(abs(crossings - 880) <= 4, "\(crossings) zero crossings at \(rate) Hz")
        #expect(abs(rms(first) - 0.3536) < 0.01)
    }

    @Test("the decoded length is exact for lossless input")
    func exactLength() throws {
        let samples = try decodeAll(fixtures + "/formats/16bit.flac", format: .init(sampleRate: 48_000, channels: 2))
        #expect(samples.count == 2 * 120_000)
    }
}
