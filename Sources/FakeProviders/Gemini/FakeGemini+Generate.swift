import Foundation

extension FakeGemini {
    func generate(model: String, _ body: [String: Any]) -> FakeResponse {
        let contents = Self.field(body, "contents")
        let prompt = Self.texts(contents).joined(separator: " ")
        guard !Self.texts(contents).isEmpty || (contents as? [Any])?.isEmpty == false else {
            return Self.rpcError(400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified")
        }
        let config = Self.field(body, "generationConfig") as? [String: Any]
        let modalities = Self.field(config, "responseModalities") as? [String] ?? []
        if Self.ttsModels.contains(model) || modalities.contains("AUDIO") {
            return speak(model: model, prompt: prompt, body: body, config: config)
        }
        let mime = Self.field(config, "responseMimeType") as? String ?? "text/plain"
        let schema = Self.field(config, "responseSchema") as? [String: Any]
        if schema != nil, mime != "application/json", mime != "text/x.enum" {
            return Self.rpcError(400, "INVALID_ARGUMENT",
                                 "* GenerateContentRequest.generation_config.response_schema: response_mime_type must be application/json or text/x.enum when response_schema is set")
        }
        var text: String
        if mime == "application/json" {
            let value = schema.map { Self.sections(for: $0, prompt: prompt) ?? Self.sample(for: $0, prompt: prompt) } ?? ["answer": "fake answer to: \(prompt.prefix(40))"]
            text = String(decoding: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])) ?? Data(), as: UTF8.self)
        } else {
            text = "Fake answer (\(prompt.split(separator: " ").count) words in the prompt): \(prompt.prefix(60))"
        }
        var finish = "STOP"
        switch nextOutcome() {
        case .blockedPrompt(let reason):
            return .json(200, ["promptFeedback": ["blockReason": reason], "usageMetadata": usage(prompt), "modelVersion": model,
                               "responseId": UUID().uuidString])
        case .safetyStop:
            return .json(200, ["candidates": [["finishReason": "SAFETY", "index": 0, "content": ["role": "model"]]],
                               "usageMetadata": usage(prompt), "modelVersion": model, "responseId": UUID().uuidString])
        case .maxTokens:
            finish = "MAX_TOKENS"
            text = String(text.prefix(max(1, text.count / 2)))
        case nil:
            break
        }
        return .json(200, [
            "candidates": [["content": ["role": "model", "parts": [["text": text]]], "finishReason": finish, "index": 0]],
            "usageMetadata": usage(prompt), "modelVersion": model, "responseId": UUID().uuidString,
        ])
    }

    private func usage(_ prompt: String) -> [String: Any] {
        let tokens = max(1, prompt.split(separator: " ").count * 4 / 3)
        return ["promptTokenCount": tokens, "candidatesTokenCount": 20, "totalTokenCount": tokens + 20]
    }

    private func speak(model: String, prompt: String, body: [String: Any], config: [String: Any]?) -> FakeResponse {
        if Self.field(body, "systemInstruction") != nil {
            return Self.rpcError(400, "INVALID_ARGUMENT", "Developer instruction is not enabled for this model")
        }
        let speech = Self.field(config, "speechConfig") as? [String: Any]
        let voiceConfig = Self.field(speech, "voiceConfig") as? [String: Any]
        let prebuilt = Self.field(voiceConfig, "prebuiltVoiceConfig") as? [String: Any]
        if let voice = Self.field(prebuilt, "voiceName") as? String, !Self.voices.contains(voice) {
            return Self.rpcError(400, "INVALID_ARGUMENT", "Voice name \(voice) is not supported.")
        }
        let samples = FakeSpeech.samples(for: prompt, sampleRate: Self.sampleRate)
        let data = FakeSpeech.pcmBytes(samples).base64EncodedString()
        return .json(200, [
            "candidates": [["content": ["role": "model", "parts": [["inlineData": ["mimeType": "audio/L16;codec=pcm;rate=24000", "data": data]]]],
                            "finishReason": "STOP", "index": 0]],
            "usageMetadata": ["promptTokenCount": 8, "candidatesTokenCount": samples.count / 1000, "totalTokenCount": 8 + samples.count / 1000,
                              "candidatesTokensDetails": [["modality": "AUDIO", "tokenCount": samples.count / 1000]]],
            "modelVersion": model, "responseId": UUID().uuidString,
        ])
    }

    /// A value that satisfies a Gemini `Schema` (upper-case types), seeded by the prompt.
    static func sample(for schema: [String: Any], prompt: String) -> Any {
        let words = prompt.split(separator: " ").map(String.init)
        switch (schema["type"] as? String ?? "STRING").uppercased() {
        case "OBJECT":
            var object: [String: Any] = [:]
            for (name, sub) in schema["properties"] as? [String: Any] ?? [:] {
                object[name] = sample(for: sub as? [String: Any] ?? [:], prompt: prompt)
            }
            return object
        case "ARRAY":
            let item = schema["items"] as? [String: Any] ?? [:]
            return (0..<itemCount(schema)).map { sample(for: item, prompt: words.dropFirst($0).joined(separator: " ")) }
        case "INTEGER": return words.count
        case "NUMBER": return Double(words.count) / 2
        case "BOOLEAN": return words.count % 2 == 0
        default:
            if let choices = schema["enum"] as? [String], !choices.isEmpty { return choices[words.count % choices.count] }
            return words.prefix(4).joined(separator: " ").isEmpty ? "fake" : words.prefix(4).joined(separator: " ")
        }
    }
}
