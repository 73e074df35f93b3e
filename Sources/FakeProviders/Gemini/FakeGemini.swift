import Basics
import Foundation

/// Fake of the Gemini API (`/v1beta/models/{model}:{method}`): generateContent for text, JSON
/// with `responseSchema`, TTS audio and pictures (image models), Imagen's predict, embedContent
/// and batchEmbedContents, with Google RPC
/// error bodies and scriptable outcomes (blocked prompt, safety stop, truncated JSON).
package final class FakeGemini: FakeAPI, Sendable {
    /// How the next generateContent answers, instead of a normal `STOP`.
    package enum Outcome: Sendable {
        /// `finishReason: MAX_TOKENS` with the JSON cut in half.
        case maxTokens
        /// HTTP 200 with `promptFeedback.blockReason` and no candidates.
        case blockedPrompt(reason: String)
        /// A candidate stopped for `SAFETY` with no parts.
        case safetyStop
    }

    package static let textModels: Set = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-flash-latest"]
    package static let embeddingModels: Set = ["gemini-embedding-001", "text-embedding-004"]
    package static let ttsModels: Set = ["gemini-2.5-flash-preview-tts", "gemini-2.5-pro-preview-tts", "gemini-3.1-flash-tts-preview"]
    package static let voices: Set = [
        "Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede", "Callirrhoe", "Autonoe", "Enceladus",
        "Iapetus", "Umbriel", "Algieba", "Despina", "Erinome", "Algenib", "Rasalgethi", "Laomedeia", "Achernar",
        "Alnilam", "Schedar", "Gacrux", "Pulcherrima", "Achird", "Zubenelgenubi", "Vindemiatrix", "Sadachbia",
        "Sadaltager", "Sulafat",
    ]
    static let sampleRate = 24_000

    let service = FakeService.gemini
    let key: String
    private let scripted = Locked<[Outcome]>([])
    let images = Locked(ImageBehaviour())
    let imageCount = Locked(0)

    init(key: String) { self.key = key }

    /// The next generateContent calls answer with these outcomes, in order.
    package func script(_ outcomes: [Outcome]) { scripted.withLock { $0.append(contentsOf: outcomes) } }

    func nextOutcome() -> Outcome? {
        scripted.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    func handles(_ request: FakeRequest) -> Bool { request.path.hasPrefix("/v1beta/") }

    /// `POST :generateContent`, `POST :predict`; a Gemini image model's calls are
    /// `POST :generateContent[image]`, so tests count pictures apart from text.
    func route(of request: FakeRequest) -> String {
        let method = request.path.split(separator: ":").last.map(String.init) ?? request.path
        let model = request.path.split(separator: "/").last?.split(separator: ":").first.map(String.init) ?? ""
        return "\(request.method) :" + method + (Self.imageModels.contains(model) ? "[image]" : "")
    }

    func errorResponse(status: Int, retryDelay: String?) -> FakeResponse {
        let names = [400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
                     500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"]
        let messages = [429: "You exceeded your current quota, please check your plan and billing details.",
                        500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
                        503: "The model is overloaded. Please try again later."]
        var details: [[String: Any]] = []
        if status == 429 {
            details.append(["@type": "type.googleapis.com/google.rpc.QuotaFailure",
                            "violations": [["quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                                            "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"]]])
            if let retryDelay { details.append(["@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retryDelay]) }
        }
        return Self.rpcError(status, names[status] ?? "UNKNOWN", messages[status] ?? "Error \(status)", details: details)
    }

    static func rpcError(_ code: Int, _ status: String, _ message: String, details: [[String: Any]] = []) -> FakeResponse {
        var error: [String: Any] = ["code": code, "message": message, "status": status]
        if !details.isEmpty { error["details"] = details }
        return .json(code, ["error": error])
    }

    func handle(_ request: FakeRequest) -> FakeResponse {
        let presented = request.header("x-goog-api-key") ?? request.query["key"]
        guard let presented else {
            return Self.rpcError(403, "PERMISSION_DENIED",
                                 "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.")
        }
        guard presented == key else {
            return Self.rpcError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", details: [
                ["@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"],
            ])
        }
        let tail = request.path.dropFirst("/v1beta/models/".count)
        guard request.method == "POST", request.path.hasPrefix("/v1beta/models/"), let colon = tail.lastIndex(of: ":") else {
            return Self.rpcError(404, "NOT_FOUND", "Requested entity was not found.")
        }
        let model = String(tail[..<colon])
        let method = String(tail[tail.index(after: colon)...])
        let known = [Self.textModels, Self.embeddingModels, Self.ttsModels, Self.imageModels, Self.imagenModels]
        guard known.contains(where: { $0.contains(model) }), Self.imagenModels.contains(model) == (method == "predict") else {
            return Self.rpcError(404, "NOT_FOUND", "models/\(model) is not found for API version v1beta, or is not supported for \(method).")
        }
        guard let body = request.json else { return Self.rpcError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.") }
        switch method {
        case "generateContent" where Self.imageModels.contains(model): return generateImage(model: model, body)
        case "predict": return predict(model: model, body)
        case "generateContent": return generate(model: model, body)
        case "embedContent": return embed(model: model, body)
        case "batchEmbedContents": return batchEmbed(model: model, body)
        default: return Self.rpcError(404, "NOT_FOUND", "Method \(method) not found.")
        }
    }

    /// Reads `name` in camelCase or its snake_case form, as proto-JSON parsers accept both.
    static func field(_ object: [String: Any]?, _ name: String) -> Any? {
        guard let object else { return nil }
        if let value = object[name] { return value }
        let snake = name.reduce(into: "") { out, char in
            if char.isUppercase { out += "_" + char.lowercased() } else { out.append(char) }
        }
        return object[snake]
    }

    static func texts(_ content: Any?) -> [String] {
        let contents: [[String: Any]]
        if let list = content as? [[String: Any]] { contents = list } else if let one = content as? [String: Any] { contents = [one] } else { return [] }
        return contents.flatMap { ($0["parts"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String } }
    }
}
