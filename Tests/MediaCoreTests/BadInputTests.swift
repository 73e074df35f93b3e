import Foundation
import Testing
@testable import MediaCore

struct BadInputTests {
    let format = AudioFormat(sampleRate: 16_000, channels: 1)

    func failure(_ path: String) -> MediaError? {
        do {
            _ = try decodeAll(path, format: format)
            return nil
        } catch let error as MediaError {
            return error
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    @Test("a zero-byte file is refused, naming the file and the reason")
    func emptyFile() throws {
        let error = try #require(failure(fixtures + "/bad/empty.mp3"))
        #expect(error.code == .notMedia)
        #expect(error.description.contains("empty.mp3"))
        #expect(error.description.contains("empty"))
    }

    @Test("a text file named .mp3 is not media")
    func textFile() throws {
        let error = try #require(failure(fixtures + "/bad/text.mp3"))
        #expect(error.code == .notMedia)
        #expect(error.description.contains("text.mp3"))
    }

    @Test("a file with no audio stream says so")
    func videoOnly() throws {
        let error = try #require(failure(fixtures + "/bad/video-only.mp4"))
        #expect(error.code == .noAudio)
        #expect(error.reason.contains("video"))
    }

    @Test("a missing path and a directory are refused clearly")
    func missingAndDirectory() throws {
        let missing = try #require(failure("/nonexistent/nothing.mp3"))
        #expect(missing.description.contains("nothing.mp3"))
        #expect(missing.reason.contains("No such file"))
        let directory = try #require(failure(fixtures))
        #expect(directory.reason.contains("not a regular file"))
    }

    @Test("a FIFO does not hang: it is refused before opening")
    func fifo() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("pipe.mp3")
        #expect(mkfifo(path, 0o600) == 0)
        let error = try #require(failure(path))
        #expect(error.reason.contains("not a regular file"))
    }

    @Test("a truncated mp3 decodes what is there")
    func truncated() throws {
        let samples = try decodeAll(fixtures + "/bad/truncated.mp3", format: format)
        let seconds = Double(samples.count) / 16_000
        #expect(seconds > 1.5 && seconds < 2.5)
    }

    @Test("a wav whose header claims more data than the file holds decodes what is there")
    func lyingHeader() throws {
        let samples = try decodeAll(fixtures + "/bad/lying-header.wav", format: format)
        #expect(abs(Double(samples.count) / 16_000 - 2.5) < 0.01)
    }

    @Test("a name with spaces, quotes, a colon and non-Latin characters is read like any other")
    func awkwardNames() throws {
        let samples = try decodeAll(fixtures + "/bad/name with spaces 'quotes' и юникод.mp3", format: format)
        #expect(samples.count > 30_000)
        let dir = try TemporaryDirectory()
        let colon = dir.file("a:b \"c\".mp3")
        try FileManager.default.copyItem(atPath: fixtures + "/formats/bare.mp3", toPath: colon)
        #expect(try decodeAll(colon, format: format).count == samples.count)
    }

    @Test("random bytes with an audio extension fail cleanly", arguments: [".wav", ".flac", ".m4a", ".ogg"])
    func garbage(ext: String) throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("garbage" + ext)
        let bytes = Signals.noise(seconds: 1, rate: 8000, channels: 1).map { UInt8(truncatingIfNeeded: Int(($0 + 1) * 127)) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = failure(path)
        #expect(error != nil)
        #expect(error?.description.contains("garbage\(ext)") == true)
    }
}
