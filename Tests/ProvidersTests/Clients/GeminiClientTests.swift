import FakeProviders
import Foundation
import Testing

@testable import Providers

struct GeminiClientTests {
    struct Summary: Decodable, Equatable {
        var title: String
        var tags: [String]
        var wordCount: Int
    }

    static let schema: JSONValue = [
        "type": "OBJECT",
        "properties": ["title": ["type": "STRING"], "tags": ["type": "ARRAY", "items": ["type": "STRING"]], "wordCount": ["type": "INTEGER"]],
        "required": ["title", "tags", "wordCount"],
    ]

    @Test func generatesTextAndTypedJSON() async throws {
        try await withFakes { fixture in
            let gemini = try fixture.gemini()
            let text = try await gemini.generateText("Summarise the river report", system: "Be brief.")
            #expect(text.contains("Summarise the river report"))
            let summary = try await gemini.generateJSON(Summary.self, prompt: "river levels stay low today", schema: Self.schema)
            #expect(summary.wordCount == 5)
            #expect(summary.tags.count == 2)
            #expect(summary.title == "river levels stay low")
        }
    }

    @Test func unusableAnswersBecomeErrors() async throws {
        try await withFakes { fixture in
            let gemini = try fixture.gemini()
            fixture.fakes.gemini.script([.blockedPrompt(reason: "SAFETY"), .safetyStop, .maxTokens])
            let blocked = await #expect(throws: ProviderError.self) { try await gemini.generateText("x") }
            #expect(blocked?.kind == .blocked)
            #expect(blocked?.code == "SAFETY")
            let stopped = await #expect(throws: ProviderError.self) { try await gemini.generateText("x") }
            #expect(stopped?.kind == .blocked)
            let truncated = await #expect(throws: ProviderError.self) {
                try await gemini.generateJSON(Summary.self, prompt: "a b c", schema: Self.schema)
            }
            #expect(truncated?.code == "MAX_TOKENS")
            fixture.fakes.inject([.malformedBody], into: .gemini)
            let malformed = await #expect(throws: ProviderError.self) { try await gemini.generateText("x") }
            #expect(malformed?.kind == .invalidResponse)
        }
    }

    @Test func documentedErrorsAreNotRetried() async throws {
        try await withFakes { fixture in
            let wrongKey = try fixture.gemini { $0.apiKey = "wrong-gemini-key-42" }
            let invalid = await #expect(throws: ProviderError.self) { try await wrongKey.generateText("x") }
            #expect(invalid?.status == 400)
            #expect(invalid?.code == "INVALID_ARGUMENT/API_KEY_INVALID")
            #expect(invalid?.message == "API key not valid. Please pass a valid API key.")
            let gemini = try fixture.gemini()
            let missing = await #expect(throws: ProviderError.self) { try await gemini.generateText("x", model: "gemini-0-nope") }
            #expect(missing?.status == 404)
            #expect(missing?.code == "NOT_FOUND")
            #expect(fixture.fakes.stats(.gemini).calls == 2)
        }
    }

    @Test func embedsInBatchesOfAtMostOneHundred() async throws {
        try await withFakes { fixture in
            let gemini = try fixture.gemini()
            let texts = (0..<250).map { "sentence number \($0)" }
            let vectors = try await gemini.embed(texts, taskType: "RETRIEVAL_DOCUMENT", dimensions: 768)
            #expect(vectors.count == 250)
            #expect(vectors.allSatisfy { $0.count == 768 })
            #expect(fixture.fakes.stats(.gemini).callsByRoute["POST :batchEmbedContents"] == 3)
            let again = try await gemini.embed(["sentence number 7"], dimensions: 768)
            #expect(again[0] == vectors[7])
            #expect(vectors[7] != vectors[8])
        }
    }

    @Test func speechIsPCMAtTheRateOfItsMIMEType() async throws {
        try await withFakes { fixture in
            let gemini = try fixture.gemini()
            let text = "Have a wonderful day, and see you tomorrow."
            let audio = try await gemini.speak(text, voice: "Puck")
            #expect(audio.sampleRate == 24_000)
            #expect(abs(audio.duration - 0.06 * Double(text.count)) < 0.5)
            #expect(audio.rms > 0.05)
            let badVoice = await #expect(throws: ProviderError.self) { try await gemini.speak(text, voice: "Nobody") }
            #expect(badVoice?.status == 400)
        }
    }

    @Test func answerWithoutAudioIsRetried() async throws {
        try await withFakes { fixture in
            fixture.fakes.inject([.geminiNoContent, .geminiNoContent], into: .gemini)
            let audio = try await fixture.gemini().speak("Hello there.")
            #expect(audio.samples.count > 0)
            #expect(fixture.fakes.stats(.gemini).calls == 3)
            fixture.fakes.inject(Array(repeating: .geminiNoContent, count: 4), into: .gemini)
            let error = await #expect(throws: ProviderError.self) { try await fixture.gemini().speak("Hello there.") }
            #expect(error?.code == "OTHER")
        }
    }

    @Test func parsesRateFromMIMEType() {
        #expect(GeminiClient.rate(fromMIME: "audio/L16;codec=pcm;rate=24000") == 24_000)
        #expect(GeminiClient.rate(fromMIME: "audio/L16; rate=16000") == 16_000)
        #expect(GeminiClient.rate(fromMIME: "audio/L16") == nil)
    }
}
