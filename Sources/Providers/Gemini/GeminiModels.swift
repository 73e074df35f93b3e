import Foundation

/// The parts of a `generateContent` response the client reads.
struct GenerateContentResponse: Decodable {
    struct Candidate: Decodable {
        var content: Content?
        var finishReason: String?
    }

    struct Content: Decodable {
        var parts: [Part]?
    }

    struct Part: Decodable {
        var text: String?
        var thought: Bool?
        var inlineData: InlineData?
    }

    struct InlineData: Decodable {
        var mimeType: String?
        var data: String?
    }

    struct PromptFeedback: Decodable {
        var blockReason: String?
    }

    var candidates: [Candidate]?
    var promptFeedback: PromptFeedback?
    var responseId: String?
}

struct EmbedContentResponse: Decodable {
    struct Embedding: Decodable { var values: [Float] }
    var embedding: Embedding
}

struct BatchEmbedContentsResponse: Decodable {
    var embeddings: [EmbedContentResponse.Embedding]
}
