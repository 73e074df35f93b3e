import Foundation
import Testing
@testable import MediaCore

/// Broken inputs that decode partly or not at all: what the user is told.
struct BrokenInputReportTests {
    func chunk(_ path: String) throws -> ChunkManifest {
        let dir = try TemporaryDirectory()
        var chunking = ChunkingOptions()
        chunking.maxSeconds = 10
        return try ChunkFileJob.run(input: path, directory: dir.file("out"), options: ChunkJobOptions(chunking: chunking)).manifest
    }

    func mediaError(_ body: () throws -> Void) -> MediaError? {
        do { try body() } catch let error as MediaError { return error } catch { Issue.record("\(error)") }
        return nil
    }

    @Test("a truncated mp3 is chunked with a warning giving decoded and declared durations")
    func truncatedWarns() throws {
        let dir = try TemporaryDirectory()
        let whole = try Data(contentsOf: URL(fileURLWithPath: fixtures + "/formats/id3-xing.mp3"))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: dir.file("half.mp3")))
        let manifest = try chunk(dir.file("half.mp3"))
        let declared = try #require(manifest.source.declaredDurationSeconds)
        #expect(manifest.source.durationSeconds < declared - 0.5)
        let warning = manifest.warnings.first { $0.contains("declares") }
        #expect(warning?.contains(String(format: "decoded %.1f s", manifest.source.durationSeconds)) == true, "\(manifest.warnings)")
        #expect(warning?.contains("truncated") == true)
        #expect(try chunk(fixtures + "/formats/bare.mp3").warnings.allSatisfy { !$0.contains("declares") })
    }

    @Test("random bytes named .flac: the reason does not contradict itself")
    func randomBytesFlac() throws {
        let dir = try TemporaryDirectory()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<20_000).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: dir.file("random-bytes.flac")))
        let error = try #require(mediaError { _ = try chunk(dir.file("random-bytes.flac")) })
        #expect(error.description.contains("random-bytes.flac"))
        #expect(!error.reason.contains("only audio"), "\(error)")
        #expect(error.code == .notMedia || error.reason.contains("no usable sample rate"), "\(error)")
    }

    @Test("a wav claiming 384 kHz and 32 channels fails with a plain reason, not swresample's")
    func wideWav() throws {
        let dir = try TemporaryDirectory()
        let (channels, rate): (UInt16, UInt32) = (32, 384_000)
        var wav = Data("RIFF".utf8)
        let data = Data(repeating: 0x11, count: Int(channels) * 2 * 4000)
        func le<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { wav.append(contentsOf: $0) } }
        le(UInt32(36 + data.count)); wav.append(contentsOf: Array("WAVEfmt ".utf8))
        le(UInt32(16)); le(UInt16(1)); le(channels); le(rate); le(rate * UInt32(channels) * 2); le(channels * 2); le(UInt16(16))
        wav.append(contentsOf: Array("data".utf8)); le(UInt32(data.count)); wav.append(data)
        try wav.write(to: URL(fileURLWithPath: dir.file("wide.wav")))
        let error = try #require(mediaError { _ = try chunk(dir.file("wide.wav")) })
        #expect(error.path?.hasSuffix("wide.wav") == true)
        #expect(error.reason.contains("32 channels with no channel layout"), "\(error)")
        #expect(!error.reason.contains("Rematrix") && !error.reason.contains("swr_init"), "\(error)")
    }

    @Test("a file with two audio tracks records which one was used")
    func twoTracks() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("two.mka")
        let (status, _, stderr) = try await run("/usr/bin/env", ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=1", "-f", "lavfi", "-i", "sine=f=880:d=1",
                                                     "-map", "0", "-map", "1", "-c:a", "flac", path])
        #expect(status == 0, "\(stderr)")
        let manifest = try chunk(path)
        #expect(manifest.source.audioStreams == 2)
        #expect(manifest.source.audioStreamIndex == 0)
        #expect(manifest.warnings.contains { $0.contains("2 audio streams; stream #0 was used") }, "\(manifest.warnings)")
    }

    @Test("an mp3 with a 2 MB ID3 tag: tags printed short and clean, the bit rate is the audio's")
    func hugeID3Tag() throws {
        let dir = try TemporaryDirectory()
        func syncsafe(_ n: Int) -> [UInt8] { [UInt8((n >> 21) & 0x7F), UInt8((n >> 14) & 0x7F), UInt8((n >> 7) & 0x7F), UInt8(n & 0x7F)] }
        func frame(_ id: String, _ payload: [UInt8]) -> [UInt8] {
            Array(id.utf8) + withUnsafeBytes(of: UInt32(payload.count).bigEndian, Array.init) + [0, 0] + payload
        }
        let size = 2 << 20
        let frames = frame("TIT2", [3] + [UInt8](repeating: 1, count: size)) + frame("TPE1", [3] + [UInt8](repeating: 0x41, count: size))
        let tag = Array("ID3".utf8) + [3, 0, 0] + syncsafe(frames.count) + frames
        let audio = try Data(contentsOf: URL(fileURLWithPath: fixtures + "/formats/bare.mp3"))
        try (Data(tag) + audio).write(to: URL(fileURLWithPath: dir.file("tagged.mp3")))

        let info = try MediaProbe.probe(path: dir.file("tagged.mp3"))
        #expect(info.tags.values.reduce(0) { $0 + $1.count } < 1000)
        #expect(info.tags.values.allSatisfy { !$0.unicodeScalars.contains { $0.properties.generalCategory == .control } })
        #expect(info.tags["artist"]?.hasSuffix("… (\(size) characters)") == true, "\(info.tags)")
        let plain = try MediaProbe.probe(path: fixtures + "/formats/bare.mp3")
        #expect(info.bitRate == info.audio?.bitRate && (info.bitRate ?? 0) <= 2 * (plain.bitRate ?? 0), "\(info.bitRate ?? 0)")
    }
}
