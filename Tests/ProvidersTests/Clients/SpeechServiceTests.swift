import FakeProviders
import Foundation
import Testing

@testable import Providers

struct GoogleTTSClientTests {
    @Test func shortTextGivesWAVWhoseLengthFollowsTheText() async throws {
        try await withFakes { fixture in
            let text = "The quick brown fox jumps over the lazy dog."
            let audio = try await fixture.googleTTS().synthesizeAudio(text, voice: "en-US-Neural2-F")
            #expect(audio.sampleRate == 24_000)
            #expect(abs(audio.duration - 0.06 * Double(text.count)) < 0.5)
            #expect(audio.rms > 0.05)
        }
    }

    @Test func longTextIsSplitUnderTheByteLimit() async throws {
        try await withFakes { fixture in
            // Multibyte text: 12,000+ UTF-8 bytes in far fewer characters (symbols speak as pauses).
            let sentence = "Rated ★★★★★★★★★★★★★★★★★★★★ by all. "
            let text = String(repeating: sentence, count: 170)
            #expect(text.utf8.count > 12_000)
            let chunks = try await fixture.googleTTS { $0.sampleRate = 8000 }.synthesize(text, encoding: .linear16)
            #expect(chunks.count == 3)
            #expect(fixture.fakes.stats(.googleTTS).calls == 3)  // every chunk accepted (the fake rejects > 5,000 bytes)
            let split = TextSplitter.split(text, limit: 5000, measure: .utf8Bytes)
            #expect(split.allSatisfy { $0.utf8.count <= 5000 && $0.hasSuffix(".") })
        }
    }

    @Test func documentedErrors() async throws {
        try await withFakes { fixture in
            let tts = try fixture.googleTTS()
            let badVoice = await #expect(throws: ProviderError.self) { try await tts.synthesize("Hi.", voice: "xx-Nope", encoding: .linear16) }
            #expect(badVoice?.status == 400)
            #expect(badVoice?.code == "INVALID_ARGUMENT")
            fixture.fakes.inject([.status(429), .status(503)], into: .googleTTS)
            #expect(try await tts.synthesize("Hi.", encoding: .linear16).count == 1)
            let wrongKey = try fixture.googleTTS { $0.apiKey = "wrong-google-key" }
            let denied = await #expect(throws: ProviderError.self) { try await wrongKey.synthesize("Hi.", encoding: .linear16) }
            #expect(denied?.status == 400)
        }
    }
}

struct OpenAIClientTests {
    @Test func speechInPCMAndWAV() async throws {
        try await withFakes { fixture in
            let openai = try fixture.openAI()
            let text = "Speak calmly about the weather."
            let audio = try await openai.speechAudio(text, voice: "coral")
            #expect(audio.sampleRate == 24_000)
            #expect(abs(audio.duration - 0.06 * Double(text.count)) < 0.5)
            let wav = try #require(try await openai.speech(text, format: "wav").first)
            #expect(WAVCodec.decode(wav)?.samples == audio.samples.map { Float(Int16($0 * 32768)) / 32768 })
        }
    }

    @Test func longInputIsSplitAtTheCharacterLimit() async throws {
        try await withFakes { fixture in
            let text = String(repeating: "A fairly ordinary sentence. ", count: 200)  // 5,600 characters
            let parts = try await fixture.openAI().speech(text, format: "pcm")
            #expect(parts.count == 2)
            #expect(fixture.fakes.stats(.openai).calls == 2)
        }
    }

    @Test func transcriptionHasTimedPunctuatedWords() async throws {
        try await withFakes { fixture in
            let path = try temporaryFile(toneWAV(seconds: 6), suffix: ".wav")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let transcript = try await OpenAITranscriber(client: fixture.openAI()).transcribe(file: path, language: "en")
            #expect(transcript.words.count == 15)
            #expect(transcript.duration == 6)
            #expect(transcript.words.last?.text.hasSuffix(".") == true)
            let again = try await OpenAITranscriber(client: fixture.openAI()).transcribe(file: path, language: "en")
            #expect(again == transcript)  // deterministic from the audio
        }
    }

    @Test func documentedErrors() async throws {
        try await withFakes { fixture in
            let wrongKey = try fixture.openAI { $0.apiKey = "sk-wrong-openai-key-9999" }
            let denied = await #expect(throws: ProviderError.self) { try await wrongKey.speech("Hi", format: "pcm") }
            #expect(denied?.status == 401)
            #expect(denied?.code == "invalid_api_key")
            #expect(denied?.description.contains("sk-wrong-openai-key-9999") == false)
            let badVoice = await #expect(throws: ProviderError.self) { try await fixture.openAI().speech("Hi", voice: "robot", format: "pcm") }
            #expect(badVoice?.status == 400)
            fixture.fakes.inject([.status(500), .status(429)], into: .openai)
            #expect(try await fixture.openAI().speech("Hi", format: "pcm").count == 1)
        }
    }
}
