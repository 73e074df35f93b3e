import Foundation
import Logging

/// Client of OpenAI-compatible audio servers (`/audio/speech`, `/audio/transcriptions`), the API
/// that OpenAI and self-hosted TTS and Whisper servers speak.
package struct OpenAIClient: Sendable {
    package struct Configuration: Sendable {
        package var apiKey: String
        /// Includes the version, as in the OpenAI SDKs: `https://api.openai.com/v1`.
        package var baseURL = "https://api.openai.com/v1"
        package var speechModel = "gpt-4o-mini-tts"
        package var transcriptionModel = "whisper-1"
        package var limits = ProviderLimiter.Limits(maxConcurrent: 4)
        package var retry = RetryPolicy()
        package var timeout: Duration = .seconds(300)

        package init(apiKey: String, baseURL: String = "https://api.openai.com/v1") {
            self.apiKey = apiKey
            self.baseURL = baseURL
        }

        /// From `OPENAI_API_KEY` and `OPENAI_BASE_URL`; `OPENAI_TTS_MODEL` and
        /// `OPENAI_TRANSCRIBE_MODEL` override the model names (self-hosted servers use their own).
        /// - Throws: `ProviderError` naming `OPENAI_API_KEY` when it is unset.
        package init(environment: ProviderEnvironment) throws {
            self.init(
                apiKey: try environment.require("OPENAI_API_KEY", provider: "openai"),
                baseURL: environment.baseURL("OPENAI_BASE_URL", default: "https://api.openai.com/v1"))
            speechModel = environment.optional("OPENAI_TTS_MODEL") ?? speechModel
            transcriptionModel = environment.optional("OPENAI_TRANSCRIBE_MODEL") ?? transcriptionModel
        }
    }

    /// The transcription answer with `response_format=verbose_json`.
    package struct VerboseTranscription: Decodable, Sendable {
        package struct Segment: Decodable, Sendable {
            package var id: Int?
            package var start: Double
            package var end: Double
            package var text: String
        }

        package struct Word: Decodable, Sendable {
            package var word: String
            package var start: Double
            package var end: Double
        }

        package var language: String?
        package var duration: Double?
        package var text: String
        package var segments: [Segment]?
        package var words: [Word]?
    }

    /// The service's input limit for speech, in characters.
    package static let maxSpeechCharacters = 4096

    package let configuration: Configuration
    let http: ProviderHTTP

    package init(configuration: Configuration, logger: Logger, client: HTTPClient = .shared) {
        self.configuration = configuration
        http = ProviderHTTP(
            provider: "openai", client: client, limiter: ProviderLimiter(configuration.limits), retry: configuration.retry,
            logger: logger, secrets: [configuration.apiKey], parseError: ErrorBodies.openAI)
    }

    /// Speech for `text` in `format` (`mp3`, `wav`, `pcm`…); one answer per 4,096-character chunk.
    /// - Throws: `ProviderError`.
    package func speech(_ text: String, voice: String = "alloy", format: String = "mp3", speed: Double? = nil) async throws -> [Data] {
        var answers: [Data] = []
        for chunk in TextSplitter.split(text, limit: Self.maxSpeechCharacters, measure: .characters) {
            var body: [String: JSONValue] = [
                "model": .string(configuration.speechModel), "input": .string(chunk), "voice": .string(voice),
                "response_format": .string(format),
            ]
            if let speed { body["speed"] = .number(speed) }
            let request = HTTPRequest(
                method: "POST", url: configuration.baseURL + "/audio/speech",
                headers: ["Authorization": "Bearer \(configuration.apiKey)", "Content-Type": "application/json", "Accept": "application/octet-stream"],
                body: .bytes(JSONValue.object(body).encoded()), timeout: configuration.timeout, isIdempotent: true)
            answers.append(try await http.send(request, operation: "speech").body)
        }
        return answers
    }

    /// Speech as samples: asks for raw `pcm` (s16le, 24 kHz, mono) and joins the chunks.
    package func speechAudio(_ text: String, voice: String = "alloy") async throws -> PCMAudio {
        let pcm = try await speech(text, voice: voice, format: "pcm").reduce(Data(), +)
        guard !pcm.isEmpty else { throw ProviderError(.invalidResponse, provider: "openai", message: "empty audio") }
        return PCMAudio(s16le: pcm, sampleRate: 24_000)
    }

    /// Transcribes a local file (streamed from disk) with segment and word timestamps.
    /// - Throws: `ProviderError`.
    package func transcribe(file path: String, language: String? = nil, model: String? = nil) async throws -> VerboseTranscription {
        var parts: [MultipartPart] = [
            MultipartPart(name: "file", content: .file(path: path), filename: (path as NSString).lastPathComponent,
                          contentType: RevAIClient.mediaType(path)),
            .field("model", model ?? configuration.transcriptionModel),
            .field("response_format", "verbose_json"),
            .field("timestamp_granularities[]", "word"),
            .field("timestamp_granularities[]", "segment"),
        ]
        if let language { parts.append(.field("language", language)) }
        let request = HTTPRequest(
            method: "POST", url: configuration.baseURL + "/audio/transcriptions",
            headers: ["Authorization": "Bearer \(configuration.apiKey)"], body: .multipart(parts),
            timeout: configuration.timeout, isIdempotent: true)  // no server-side state is created
        let response = try await http.send(request, operation: "transcribe")
        do {
            return try JSONDecoder().decode(VerboseTranscription.self, from: response.body)
        } catch {
            throw ProviderError(.invalidResponse, provider: "openai", status: response.status, message: "malformed verbose_json answer")
        }
    }
}

/// An OpenAI-compatible server as a `Transcriber`.
package struct OpenAITranscriber: Transcriber {
    package var client: OpenAIClient
    /// The engine named in transcripts: `openai`, or `local` for the runner's own server.
    package var engine: String

    package init(client: OpenAIClient, engine: String = "openai") {
        self.client = client
        self.engine = engine
    }

    package func transcribe(file path: String, language: String?) async throws -> Transcript {
        let answer = try await client.transcribe(file: path, language: language)
        var words = (answer.words ?? []).map { Transcript.Word(text: $0.word, start: $0.start, end: $0.end) }
        if words.isEmpty {  // servers without word timestamps: spread each segment's words evenly
            for segment in answer.segments ?? [] {
                let tokens = segment.text.split(separator: " ")
                let step = (segment.end - segment.start) / Double(max(1, tokens.count))
                for (index, token) in tokens.enumerated() {
                    words.append(Transcript.Word(text: String(token), start: segment.start + Double(index) * step, end: segment.start + Double(index + 1) * step))
                }
            }
        } else {
            Self.punctuate(&words, from: answer.segments ?? [])
        }
        return Transcript(engine: engine, language: language ?? answer.language, duration: answer.duration, text: answer.text.trimmingWhitespace(), words: words)
    }

    /// Word lists come without punctuation; carry each segment's final mark to its last word.
    static func punctuate(_ words: inout [Transcript.Word], from segments: [OpenAIClient.VerboseTranscription.Segment]) {
        for segment in segments {
            guard let mark = segment.text.trimmingWhitespace().last, ".?!".contains(mark),
                let index = words.lastIndex(where: { $0.end <= segment.end + 0.001 && $0.start >= segment.start - 0.001 })
            else { continue }
            if words[index].text.last != mark { words[index].text.append(mark) }
        }
    }
}
