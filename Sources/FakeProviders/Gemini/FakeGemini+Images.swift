import Basics
import Foundation
import MediaCore

/// Image generation: a Gemini image model's `generateContent` (an `inlineData` PNG, or JPEG
/// when told) and Imagen's `:predict` (`bytesBase64Encoded`), both at the sizes the real models
/// give for each aspect ratio, with the real request checks and refusals.
extension FakeGemini {
    package static let imageModels: Set = ["gemini-2.5-flash-image", "gemini-2.5-flash-image-preview", "gemini-3-pro-image-preview"]
    package static let imagenModels: Set = ["imagen-4.0-generate-001", "imagen-4.0-fast-generate-001", "imagen-4.0-ultra-generate-001",
                                            "imagen-3.0-generate-002"]

    /// Pixel sizes per aspect ratio, as the models document them.
    static let geminiSizes: [String: (Int, Int)] = [
        "1:1": (1024, 1024), "2:3": (832, 1248), "3:2": (1248, 832), "3:4": (864, 1184), "4:3": (1184, 864),
        "4:5": (896, 1152), "5:4": (1152, 896), "9:16": (768, 1344), "16:9": (1344, 768), "21:9": (1536, 672),
    ]
    static let imagenSizes: [String: (Int, Int)] = [
        "1:1": (1024, 1024), "3:4": (896, 1280), "4:3": (1280, 896), "9:16": (768, 1408), "16:9": (1408, 768),
    ]

    /// How the image endpoints treat prompts, set by tests.
    package struct ImageBehaviour: Sendable {
        /// A prompt containing this text is refused (Gemini: `finishReason` below, no parts;
        /// Imagen: a prediction with only `raiFilteredReason`).
        package var blockContaining: String?
        package var blockReason = "IMAGE_SAFETY"
        /// A prompt containing this text gets a `STOP` answer without an image (Gemini) or `{}` (Imagen).
        package var noImageContaining: String?
        /// Gemini answers JPEG instead of PNG.
        package var jpeg = false
        package init() {}
    }

    package func setImageBehaviour(_ behaviour: ImageBehaviour) { images.withLock { $0 = behaviour } }

    /// Image requests answered so far (both endpoints, refusals included).
    package var imageRequests: Int { imageCount.withLock { $0 } }

    func generateImage(model: String, _ body: [String: Any]) -> FakeResponse {
        imageCount.withLock { $0 += 1 }
        let prompt = Self.texts(Self.field(body, "contents")).joined(separator: " ")
        guard !prompt.isEmpty else {
            return Self.rpcError(400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified")
        }
        let config = Self.field(body, "generationConfig") as? [String: Any]
        let modalities = Self.field(config, "responseModalities") as? [String] ?? ["TEXT", "IMAGE"]
        guard modalities.allSatisfy({ $0 == "TEXT" || $0 == "IMAGE" }), modalities.contains("IMAGE") else {
            return Self.rpcError(400, "INVALID_ARGUMENT", "The requested combination of response modalities (\(modalities.joined(separator: ","))) is not supported by the model.")
        }
        let imageConfig = Self.field(config, "imageConfig") as? [String: Any]
        let aspect = Self.field(imageConfig, "aspectRatio") as? String ?? "1:1"
        guard let size = Self.geminiSizes[aspect] else {
            return Self.rpcError(400, "INVALID_ARGUMENT", "* GenerateContentRequest.generation_config.image_config.aspect_ratio: unsupported aspect ratio \(aspect)")
        }
        let behaviour = images.withLock { $0 }
        let meta: [String: Any] = ["usageMetadata": ["promptTokenCount": max(1, prompt.count / 4), "candidatesTokenCount": 1290, "totalTokenCount": 1290 + prompt.count / 4],
                                   "modelVersion": model, "responseId": UUID().uuidString]
        if let marker = behaviour.blockContaining, prompt.contains(marker) {
            return .json(200, meta.merging(["candidates": [["finishReason": behaviour.blockReason, "index": 0, "content": ["role": "model"]]]]) { $1 })
        }
        if let marker = behaviour.noImageContaining, prompt.contains(marker) {
            return .json(200, meta.merging(["candidates": [["finishReason": "STOP", "index": 0,
                                                            "content": ["role": "model", "parts": [["text": "I could not draw that."]]]]]]) { $1 })
        }
        let format: StillImageFormat = behaviour.jpeg ? .jpeg : .png
        guard let data = try? Self.picture(prompt, width: size.0, height: size.1, format: format) else {
            return Self.rpcError(500, "INTERNAL", "An internal error has occurred.")
        }
        let part: [String: Any] = ["inlineData": ["mimeType": format == .png ? "image/png" : "image/jpeg", "data": data.base64EncodedString()]]
        return .json(200, meta.merging(["candidates": [["content": ["role": "model", "parts": [part]], "finishReason": "STOP", "index": 0]]]) { $1 })
    }

    func predict(model: String, _ body: [String: Any]) -> FakeResponse {
        imageCount.withLock { $0 += 1 }
        guard let instances = body["instances"] as? [[String: Any]], !instances.isEmpty else {
            return Self.rpcError(400, "INVALID_ARGUMENT", "* PredictRequest.instances: instances is not specified")
        }
        guard instances.count == 1, let prompt = instances[0]["prompt"] as? String, !prompt.isEmpty else {
            return Self.rpcError(400, "INVALID_ARGUMENT", "Invalid instance: exactly one instance with a non-empty prompt is supported.")
        }
        let parameters = body["parameters"] as? [String: Any] ?? [:]
        let count = (parameters["sampleCount"] as? NSNumber)?.intValue ?? 4
        guard (1...4).contains(count) else {
            return Self.rpcError(400, "INVALID_ARGUMENT", "sampleCount must be between 1 and 4, got \(count).")
        }
        let aspect = parameters["aspectRatio"] as? String ?? "1:1"
        guard let size = Self.imagenSizes[aspect] else {
            return Self.rpcError(400, "INVALID_ARGUMENT", "Unsupported aspect ratio \(aspect). Supported: 1:1, 3:4, 4:3, 9:16, 16:9.")
        }
        let behaviour = images.withLock { $0 }
        let withReason = (parameters["includeRaiReason"] as? Bool) == true
        if let marker = behaviour.blockContaining, prompt.contains(marker) {
            return .json(200, withReason ? ["predictions": [["raiFilteredReason":
                "Your current safety filter threshold filtered out the prompt. Try rephrasing the prompt. (\(behaviour.blockReason))"]]] : [:])
        }
        if let marker = behaviour.noImageContaining, prompt.contains(marker) { return .json(200, [String: Any]()) }
        var predictions: [[String: Any]] = []
        for k in 0..<count {
            guard let data = try? Self.picture(prompt + String(repeating: " ", count: k), width: size.0, height: size.1, format: .png) else {
                return Self.rpcError(500, "INTERNAL", "An internal error has occurred.")
            }
            predictions.append(["bytesBase64Encoded": data.base64EncodedString(), "mimeType": "image/png"])
        }
        return .json(200, ["predictions": predictions])
    }

    /// A real picture for `prompt`: colours from the prompt's bytes, horizontal bands and a
    /// gradient, so different prompts give different images. Rows are built once and copied.
    static func picture(_ prompt: String, width: Int, height: Int, format: StillImageFormat) throws -> Data {
        var seed: UInt32 = 2_166_136_261
        for byte in prompt.utf8 { seed = (seed ^ UInt32(byte)) &* 16_777_619 }
        let base = [UInt8(truncatingIfNeeded: seed), UInt8(truncatingIfNeeded: seed >> 8), UInt8(truncatingIfNeeded: seed >> 16)]
        var rows: [[UInt8]] = []
        for band in 0..<4 {
            var row = [UInt8](repeating: 0, count: width * 3)
            for x in 0..<width {
                let shade = UInt8(x * 255 / max(width - 1, 1))
                row[x * 3] = base[0] &+ shade / 2 &+ UInt8(band * 40)
                row[x * 3 + 1] = base[1] &+ UInt8(band * 25)
                row[x * 3 + 2] = base[2] &+ (255 - shade) / 2
            }
            rows.append(row)
        }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * 3)
        for y in 0..<height { pixels.append(contentsOf: rows[min(3, y * 4 / height)]) }
        return try StillImage.encode(rgb: pixels, width: width, height: height, as: format)
    }
}
