import Foundation

extension FakeGemini {
    func embed(model: String, _ body: [String: Any]) -> FakeResponse {
        guard Self.embeddingModels.contains(model) else {
            return Self.rpcError(400, "INVALID_ARGUMENT", "models/\(model) does not support embedContent.")
        }
        switch vector(model: model, body) {
        case .success(let values): return .json(200, ["embedding": ["values": values]])
        case .failure(let error): return error.response
        }
    }

    func batchEmbed(model: String, _ body: [String: Any]) -> FakeResponse {
        guard Self.embeddingModels.contains(model) else {
            return Self.rpcError(400, "INVALID_ARGUMENT", "models/\(model) does not support batchEmbedContents.")
        }
        let requests = body["requests"] as? [[String: Any]] ?? []
        guard !requests.isEmpty else { return Self.rpcError(400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests: requests is not specified") }
        guard requests.count <= 100 else {
            return Self.rpcError(400, "INVALID_ARGUMENT", "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch")
        }
        var embeddings: [[String: Any]] = []
        for (index, request) in requests.enumerated() {
            if let inner = request["model"] as? String, inner != "models/\(model)" {
                return Self.rpcError(400, "INVALID_ARGUMENT",
                                     "* BatchEmbedContentsRequest.requests[\(index)].model: model must match the URL model, expected models/\(model)")
            }
            switch vector(model: model, request) {
            case .success(let values): embeddings.append(["values": values])
            case .failure(let error): return error.response
            }
        }
        return .json(200, ["embeddings": embeddings])
    }

    struct Rejection: Error {
        var response: FakeResponse
    }

    /// A deterministic vector seeded by the text; length `outputDimensionality` (default 3072/768).
    private func vector(model: String, _ request: [String: Any]) -> Result<[Double], Rejection> {
        let text = Self.texts(request["content"]).joined(separator: " ")
        guard !text.isEmpty else {
            return .failure(Rejection(response: Self.rpcError(400, "INVALID_ARGUMENT", "* EmbedContentRequest.content: content is not specified")))
        }
        let config = Self.field(request, "embedContentConfig") as? [String: Any]
        let dimensions = (Self.field(request, "outputDimensionality") ?? Self.field(config, "outputDimensionality")) as? Int
            ?? (model == "text-embedding-004" ? 768 : 3072)
        var seed = FakeTranscript.digest(Data(text.utf8)).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return .success((0..<dimensions).map { _ in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Double(seed >> 11) / Double(1 << 53) * 2 - 1) * 0.05
        })
    }
}
