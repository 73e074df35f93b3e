import Foundation

extension GeminiClient {
    /// Gemini's per-request cap on `batchEmbedContents`.
    package static let maxBatch = 100

    /// One vector per text, in order, sent in batches of at most 100.
    /// - Throws: `ProviderError`.
    package func embed(_ texts: [String], taskType: String? = nil, dimensions: Int? = nil, model: String? = nil) async throws -> [[Float]] {
        let model = model ?? configuration.embeddingModel
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        for start in stride(from: 0, to: texts.count, by: Self.maxBatch) {
            let batch = texts[start..<min(start + Self.maxBatch, texts.count)]
            let requests: [JSONValue] = batch.map { text in
                var request: [String: JSONValue] = ["model": .string("models/\(model)"), "content": ["parts": [["text": .string(text)]]]]
                if let taskType { request["taskType"] = .string(taskType) }
                if let dimensions { request["outputDimensionality"] = .number(Double(dimensions)) }
                return .object(request)
            }
            let response = try decode(BatchEmbedContentsResponse.self, try await call(model, "batchEmbedContents", ["requests": .array(requests)]))
            guard response.embeddings.count == batch.count else {
                throw ProviderError(.invalidResponse, provider: "gemini", message: "asked \(batch.count) embeddings, got \(response.embeddings.count)")
            }
            vectors.append(contentsOf: response.embeddings.map(\.values))
        }
        return vectors
    }
}
