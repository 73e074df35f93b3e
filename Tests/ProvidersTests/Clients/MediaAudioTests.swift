import FakeProviders
import Foundation
import Logging
import MediaCore
import Testing

@testable import Providers

struct MediaAudioTests {
    @Test func compressedSpeechFromServicesDecodesThroughMediaCore() async throws {
        try await withFakes { fixture in
            let text = "Compressed speech still lasts as long as the text."
            let mp3 = try #require(try await fixture.googleTTS().synthesize(text, encoding: .mp3).first)
            #expect(mp3.starts(with: Data("ID3".utf8)) || mp3.first == 0xff)
            let fromGoogle = try await MediaAudio.decode(mp3, fileExtension: "mp3", provider: "google-tts")
            #expect(abs(fromGoogle.duration - 0.06 * Double(text.count)) < 0.5)
            #expect(fromGoogle.rms > 0.05)
            let opus = try #require(try await fixture.openAI().speech(text, format: "opus").first)
            #expect(opus.starts(with: Data("OggS".utf8)))
            let fromOpenAI = try await MediaAudio.decode(opus, fileExtension: "ogg", provider: "openai")
            #expect(abs(fromOpenAI.duration - fromGoogle.duration) < 0.2)
            let junk = await #expect(throws: ProviderError.self) {
                try await MediaAudio.decode(Data("not audio at all".utf8), fileExtension: "mp3", provider: "openai")
            }
            #expect(junk?.kind == .invalidResponse)
        }
    }

    @Test(arguments: ["wav", "mp3", "opus", "flac", "m4a"])
    func speakWritesEveryFormat(format: String) async throws {
        let textFile = try temporaryFile(Data("Testing one two three, this is the offline voice.".utf8), suffix: ".txt")
        let output = NSTemporaryDirectory() + "providers-test-\(UUID().uuidString).\(format)"
        defer {
            try? FileManager.default.removeItem(atPath: textFile)
            try? FileManager.default.removeItem(atPath: output)
        }
        let result = try await SpeakJob.run(
            textFile: textFile, output: output, engine: .espeak, voice: "en", format: format, environment: ProviderEnvironment([:]),
            logger: Logger(label: "test"))
        let info = try MediaProbe.probe(path: output)
        let duration = try #require(info.durationSeconds)
        #expect(abs(duration - result.duration) < 0.15)
        #expect(result.duration > 1.5)
        let decoded = try await MediaAudio.decodeFile(output)
        #expect(decoded.rms > 0.02)
    }

    @Test func revMeasuresUploadedMP3() async throws {
        try await withFakes { fixture in
            let mp3 = try #require(try await fixture.googleTTS().synthesize(String(repeating: "Words words words. ", count: 5), encoding: .mp3).first)
            let path = try temporaryFile(mp3, suffix: ".mp3")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let rev = try fixture.revai()
            let job = try await rev.submit(file: path)
            let done = try await rev.waitForCompletion(job.id)
            let seconds = try #require(done.durationSeconds)
            #expect(abs(seconds - 0.06 * 95) < 0.6)
        }
    }
}
