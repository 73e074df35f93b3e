import Foundation
import Logging

extension GeminiClient {
    /// Speech for `text` through a TTS model (`responseModalities: AUDIO`): mono samples at the
    /// rate named in the returned MIME type (24 kHz when it names none).
    ///
    /// Gemini sometimes answers 200 with `finishReason: OTHER` and no audio; that answer is
    /// retried under the same policy as a 503.
    /// - Throws: `ProviderError` (`.invalidResponse` when no audio ever came).
    package func speak(_ text: String, voice: String = "Kore", model: String? = nil) async throws -> PCMAudio {
        let body: JSONValue = [
            "contents": [["parts": [["text": .string(text)]]]],
            "generationConfig": [
                "responseModalities": ["AUDIO"],
                "speechConfig": ["voiceConfig": ["prebuiltVoiceConfig": ["voiceName": .string(voice)]]],
            ],
        ]
        var attempt = 0
        while true {
            attempt += 1
            let response = try decode(GenerateContentResponse.self, try await call(model ?? configuration.ttsModel, "generateContent", body))
            let candidate = try Self.firstCandidate(response)
            if let inline = candidate.content?.parts?.compactMap(\.inlineData).first, let base64 = inline.data,
                let bytes = Data(base64Encoded: base64), !bytes.isEmpty
            {
                return PCMAudio(s16le: bytes, sampleRate: Self.rate(fromMIME: inline.mimeType) ?? 24_000, channels: 1)
            }
            let reason = candidate.finishReason ?? "none"
            guard let wait = configuration.retry.delay(afterAttempt: attempt, retryAfter: nil) else {
                throw ProviderError(.invalidResponse, provider: "gemini", code: reason, message: "no audio in the response (finishReason \(reason))", attempts: attempt)
            }
            http.logger.info("gemini answered without audio; retrying", metadata: ["provider": "gemini", "attempt": "\(attempt)", "finish_reason": "\(reason)"])
            try await Task.sleep(for: wait)
        }
    }

    /// The `rate=` parameter of a MIME type such as `audio/L16;codec=pcm;rate=24000`.
    static func rate(fromMIME mime: String?) -> Int? {
        guard let mime else { return nil }
        for parameter in mime.split(separator: ";") {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "rate", let rate = Int(pair[1]), rate > 0 { return rate }
        }
        return nil
    }
}
