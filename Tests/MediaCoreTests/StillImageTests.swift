import Foundation
import TestSupport
import Testing
@testable import MediaCore

/// PNG and JPEG through FFmpeg's png and mjpeg codecs: sizes read back, JPEG turned into PNG,
/// broken bytes refused, and a picture embedded as the cover of mp3 and m4b files.
struct StillImageTests {
    /// A 160×90 picture: a red-to-blue gradient over a green band.
    static func pixels(width: Int = 160, height: Int = 90) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                rgb[i] = UInt8(255 - x * 255 / (width - 1))
                rgb[i + 1] = y < height / 3 ? 200 : 20
                rgb[i + 2] = UInt8(x * 255 / (width - 1))
            }
        }
        return rgb
    }

    @Test(arguments: [StillImageFormat.png, .jpeg])
    func encodedPicturesDecodeAtTheirSize(format: StillImageFormat) throws {
        let data = try StillImage.encode(rgb: Self.pixels(), width: 160, height: 90, as: format)
        #expect(StillImageFormat.sniff(data) == format)
        #expect(try StillImage.inspect(data) == StillImageInfo(format: format, width: 160, height: 90))
        let (png, info) = try StillImage.png(from: data)
        #expect(info.format == format)
        #expect(try StillImage.inspect(png) == StillImageInfo(format: .png, width: 160, height: 90))
        if format == .png { #expect(png == data) } else { #expect(StillImageFormat.sniff(png) == .png) }
    }

    @Test func brokenBytesAreRefused() throws {
        let png = try StillImage.encode(rgb: Self.pixels(), width: 160, height: 90, as: .png)
        #expect(throws: MediaError.self) { try StillImage.inspect(Data()) }
        #expect(throws: MediaError.self) { try StillImage.inspect(Data("<html>not a picture</html>".utf8)) }
        #expect(throws: MediaError.self) { try StillImage.inspect(png.prefix(png.count / 2)) }
        #expect(throws: MediaError.self) { try StillImage.encode(rgb: [1, 2, 3], width: 160, height: 90, as: .png) }
    }

    @Test(arguments: [AudioFileFormat.mp3, .m4b])
    func aCoverBecomesAnAttachedPictureStream(format: AudioFileFormat) async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("book." + format.fileExtension)
        let cover = try StillImage.encode(rgb: Self.pixels(), width: 160, height: 90, as: .png)
        let audio = AudioFormat(sampleRate: 24_000, channels: 1)
        let encoder = try AudioEncoder(path: path, options: EncoderOptions(format: format, audio: audio, metadata: ["title": "Cover"], coverArt: cover))
        let signal = Signals.speechLike(toneSeconds: [1.0], silenceSeconds: [0.2], rate: 24_000, channels: 1).samples
        try signal.withUnsafeBufferPointer { try encoder.write($0) }
        try encoder.finish()
        let lines = try await Command.run(["/usr/bin/ffprobe", "-v", "error", "-show_entries",
                                           "stream=codec_type,codec_name,width,height:stream_disposition=attached_pic",
                                           "-of", "compact=p=0", path]).output.split(separator: "\n").map(String.init)
        #expect(lines.contains("codec_name=png|codec_type=video|width=160|height=90|disposition:attached_pic=1"), "\(lines)")
        // The audio is still all there.
        let frames = try await ffmpegDecodedFrames(path, rate: 24_000, channels: 1)
        #expect(abs(frames - signal.count) < 3_000, "\(frames) frames for \(signal.count)")
        // A format without a picture slot refuses it up front.
        #expect(throws: MediaError.self) {
            try AudioEncoder(path: dir.file("x.flac"), options: EncoderOptions(format: .flac, audio: audio, coverArt: cover))
        }
    }
}
