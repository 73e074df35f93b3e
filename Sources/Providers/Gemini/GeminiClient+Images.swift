import Foundation

/// `--image-engine`: which Google model draws narrate's pictures. Both are served by the Gemini
/// API with the same key, so both go through the process's one `GeminiClient` and its limiter.
package enum ImageEngineKind: String, CaseIterable, Codable, Sendable {
    /// A Gemini image model (`generateContent` answering `inlineData` PNG or JPEG).
    case gemini
    /// Imagen (`:predict` answering `bytesBase64Encoded`).
    case imagen

    /// The aspect ratios the model accepts (`imageConfig.aspectRatio`, `parameters.aspectRatio`).
    package var aspectRatios: [String] {
        switch self {
        case .gemini: ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"]
        case .imagen: ["1:1", "3:4", "4:3", "9:16", "16:9"]
        }
    }
}

/// An image as the service returned it (not yet checked).
package struct GeneratedImage: Sendable {
    package var data: Data
    package var mimeType: String
    package var model: String
}

extension GeminiClient {
    /// The model `engine` uses on this client.
    package func imageModel(_ engine: ImageEngineKind) -> String {
        engine == .gemini ? configuration.imageModel : configuration.imagenModel
    }

    /// One picture for `prompt` at `aspect` (`16:9`, `1:1`, …).
    /// - Throws: `ProviderError(.blocked)` when the service refused the prompt or the picture
    ///   (prompt feedback, a safety finish reason, Imagen's RAI filter): sending it again will
    ///   not help; `.invalidResponse` with code `NO_IMAGE` (or the finish reason) when it
    ///   answered without a picture for no stated reason, which a later try may cure; `.http`
    ///   and `.transport` as every call.
    package func generateImage(_ prompt: String, aspect: String, engine: ImageEngineKind) async throws -> GeneratedImage {
        switch engine {
        case .gemini: try await geminiImage(prompt, aspect: aspect)
        case .imagen: try await imagenImage(prompt, aspect: aspect)
        }
    }

    /// Finish reasons that mean the service refused the content (as opposed to failing to draw).
    static let refusals: Set = ["SAFETY", "IMAGE_SAFETY", "PROHIBITED_CONTENT", "IMAGE_PROHIBITED_CONTENT", "BLOCKLIST", "SPII",
                                "RECITATION", "IMAGE_RECITATION"]

    private func geminiImage(_ prompt: String, aspect: String) async throws -> GeneratedImage {
        let model = configuration.imageModel
        let body: JSONValue = [
            "contents": [["role": "user", "parts": [["text": .string(prompt)]]]],
            "generationConfig": ["responseModalities": ["IMAGE"], "imageConfig": ["aspectRatio": .string(aspect)]],
        ]
        let response = try decode(GenerateContentResponse.self, try await call(model, "generateContent", body))
        let candidate = try Self.firstCandidate(response)
        for part in candidate.content?.parts ?? [] where part.thought != true {
            guard let inline = part.inlineData, let mime = inline.mimeType, mime.hasPrefix("image/") else { continue }
            guard let base64 = inline.data, let bytes = Data(base64Encoded: base64), !bytes.isEmpty else {
                throw ProviderError(.invalidResponse, provider: "gemini", code: "EMPTY_IMAGE", message: "the image part holds no bytes")
            }
            return GeneratedImage(data: bytes, mimeType: mime, model: model)
        }
        let reason = candidate.finishReason ?? "STOP"
        if Self.refusals.contains(reason) {
            throw ProviderError(.blocked, provider: "gemini", code: reason, message: "image refused: \(reason)")
        }
        throw ProviderError(.invalidResponse, provider: "gemini", code: reason == "STOP" ? "NO_IMAGE" : reason,
                            message: "no image in the response (finishReason \(reason))")
    }

    private struct PredictResponse: Decodable {
        struct Prediction: Decodable {
            var bytesBase64Encoded: String?
            var mimeType: String?
            var raiFilteredReason: String?
        }
        var predictions: [Prediction]?
    }

    private func imagenImage(_ prompt: String, aspect: String) async throws -> GeneratedImage {
        let model = configuration.imagenModel
        let body: JSONValue = [
            "instances": [["prompt": .string(prompt)]],
            "parameters": ["sampleCount": 1, "aspectRatio": .string(aspect), "includeRaiReason": true],
        ]
        let response = try decode(PredictResponse.self, try await call(model, "predict", body))
        let predictions = response.predictions ?? []
        if let image = predictions.first(where: { $0.bytesBase64Encoded != nil }) {
            guard let bytes = Data(base64Encoded: image.bytesBase64Encoded ?? ""), !bytes.isEmpty else {
                throw ProviderError(.invalidResponse, provider: "gemini", code: "EMPTY_IMAGE", message: "the prediction holds no bytes")
            }
            return GeneratedImage(data: bytes, mimeType: image.mimeType ?? "image/png", model: model)
        }
        if let reason = predictions.compactMap(\.raiFilteredReason).first {
            throw ProviderError(.blocked, provider: "gemini", code: "RAI_FILTERED", message: "image refused: \(reason)")
        }
        // Imagen answers `{}` when its filters removed every picture and gave no reason.
        throw ProviderError(.blocked, provider: "gemini", code: "RAI_FILTERED", message: "image refused: every picture was filtered out")
    }
}
