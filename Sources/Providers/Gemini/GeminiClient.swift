import Foundation
import Logging

/// Client of the Gemini API (`/v1beta/models/{model}:…`): text, JSON decoded into Swift types,
/// embeddings, TTS audio and pictures (a Gemini image model or Imagen, same key, same limiter). A 200 answer is not trusted blindly: blocked prompts, stops other
/// than `STOP` and truncated JSON become `ProviderError`s.
package struct GeminiClient: Sendable {
    package struct Configuration: Sendable {
        package var apiKey: String
        /// Scheme, host and port; the client appends `/v1beta/models/…`.
        package var baseURL = "https://generativelanguage.googleapis.com"
        package var textModel = "gemini-2.5-flash"
        package var embeddingModel = "gemini-embedding-001"
        package var ttsModel = "gemini-2.5-flash-preview-tts"
        /// The Gemini model that draws pictures (`--image-engine gemini`).
        package var imageModel = "gemini-2.5-flash-image"
        /// The Imagen model (`--image-engine imagen`).
        package var imagenModel = "imagen-4.0-generate-001"
        package var limits = ProviderLimiter.Limits(maxConcurrent: 4)
        package var retry = RetryPolicy()
        package var timeout: Duration = .seconds(120)

        package init(apiKey: String, baseURL: String = "https://generativelanguage.googleapis.com") {
            self.apiKey = apiKey
            self.baseURL = baseURL
        }

        /// From `GEMINI_API_KEY` and `GEMINI_BASE_URL`; `GEMINI_MODEL`, `GEMINI_EMBEDDING_MODEL`
        /// `GEMINI_TTS_MODEL`, `GEMINI_IMAGE_MODEL` and `IMAGEN_MODEL` override the model names (preview models retire quickly).
        /// - Throws: `ProviderError` naming `GEMINI_API_KEY` when it is unset.
        package init(environment: ProviderEnvironment) throws {
            self.init(
                apiKey: try environment.require("GEMINI_API_KEY", provider: "gemini"),
                baseURL: environment.baseURL("GEMINI_BASE_URL", default: "https://generativelanguage.googleapis.com"))
            textModel = environment.optional("GEMINI_MODEL") ?? textModel
            embeddingModel = environment.optional("GEMINI_EMBEDDING_MODEL") ?? embeddingModel
            ttsModel = environment.optional("GEMINI_TTS_MODEL") ?? ttsModel
            imageModel = environment.optional("GEMINI_IMAGE_MODEL") ?? imageModel
            imagenModel = environment.optional("IMAGEN_MODEL") ?? imagenModel
        }
    }

    package let configuration: Configuration
    let http: ProviderHTTP

    package init(configuration: Configuration, logger: Logger, client: HTTPClient = .shared) {
        self.configuration = configuration
        http = ProviderHTTP(
            provider: "gemini", client: client, limiter: ProviderLimiter(configuration.limits), retry: configuration.retry,
            logger: logger, secrets: [configuration.apiKey], parseError: ErrorBodies.google)
    }

    /// POSTs `body` to `model:method`; the key travels in a header, never in the URL.
    func call(_ model: String, _ method: String, _ body: JSONValue) async throws -> HTTPResponse {
        let request = HTTPRequest(
            method: "POST", url: "\(configuration.baseURL)/v1beta/models/\(model):\(method)",
            headers: ["x-goog-api-key": configuration.apiKey, "Content-Type": "application/json"],
            body: .bytes(body.encoded()), timeout: configuration.timeout,
            isIdempotent: true)  // generation and embedding have no side effects
        return try await http.send(request, operation: method)
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: response.body)
        } catch {
            throw ProviderError(.invalidResponse, provider: "gemini", status: response.status, message: "malformed \(T.self) body")
        }
    }

    /// Free text for `prompt`.
    /// - Throws: `ProviderError` (`.blocked`, `.invalidResponse` for MAX_TOKENS or empty output, `.http`…).
    package func generateText(_ prompt: String, system: String? = nil, model: String? = nil) async throws -> String {
        try await generate(prompt, system: system, model: model, extraConfig: [:]).text
    }

    /// JSON output constrained by `schema` (Gemini Schema, upper-case types), decoded into `T`.
    /// - Throws: `ProviderError(.invalidResponse)` when the JSON is truncated or does not match `T`.
    package func generateJSON<T: Decodable>(
        _ type: T.Type, prompt: String, schema: JSONValue, system: String? = nil, model: String? = nil
    ) async throws -> T {
        let result = try await generate(
            prompt, system: system, model: model,
            extraConfig: ["responseMimeType": "application/json", "responseSchema": schema])
        do {
            return try JSONDecoder().decode(T.self, from: Data(result.text.utf8))
        } catch {
            throw ProviderError(.invalidResponse, provider: "gemini", code: "INVALID_JSON",
                                message: "model output is not valid \(T.self) JSON (\(result.text.count) characters)")
        }
    }

    private func generate(_ prompt: String, system: String?, model: String?, extraConfig: [String: JSONValue]) async throws -> (text: String, finish: String) {
        var body: [String: JSONValue] = ["contents": [["role": "user", "parts": [["text": .string(prompt)]]]]]
        if let system { body["systemInstruction"] = ["parts": [["text": .string(system)]]] }
        if !extraConfig.isEmpty { body["generationConfig"] = .object(extraConfig) }
        let response = try decode(GenerateContentResponse.self, try await call(model ?? configuration.textModel, "generateContent", .object(body)))
        let candidate = try Self.firstCandidate(response)
        let text = (candidate.content?.parts ?? []).filter { $0.thought != true }.compactMap(\.text).joined()
        switch candidate.finishReason ?? "STOP" {
        case "STOP":
            guard !text.isEmpty else { throw ProviderError(.invalidResponse, provider: "gemini", code: "STOP", message: "empty output") }
            return (text, "STOP")
        case "MAX_TOKENS":
            throw ProviderError(.invalidResponse, provider: "gemini", code: "MAX_TOKENS", message: "output truncated at the token limit")
        case let reason:
            throw ProviderError(.blocked, provider: "gemini", code: reason, message: "generation stopped: \(reason)")
        }
    }

    /// The first candidate, or the block reason as an error.
    static func firstCandidate(_ response: GenerateContentResponse) throws -> GenerateContentResponse.Candidate {
        if let reason = response.promptFeedback?.blockReason {
            throw ProviderError(.blocked, provider: "gemini", code: reason, message: "prompt blocked: \(reason)")
        }
        guard let candidate = response.candidates?.first else {
            throw ProviderError(.invalidResponse, provider: "gemini", message: "no candidates in the response")
        }
        return candidate
    }
}
