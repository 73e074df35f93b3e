import Foundation

/// Fake of the OpenAI-compatible audio endpoints (`/v1/audio/speech`,
/// `/v1/audio/transcriptions`) that self-hosted TTS and Whisper servers speak.
package final class FakeOpenAI: FakeAPI, Sendable {
    static let speechModels: Set = ["tts-1", "tts-1-hd", "gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15"]
    static let transcriptionModels: Set = ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"]
    static let voices: Set = ["alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin", "cedar"]
    static let sampleRate = 24_000

    let service = FakeService.openai
    let key: String

    init(key: String) { self.key = key }

    func handles(_ request: FakeRequest) -> Bool { request.path.hasPrefix("/v1/audio/") }

    func route(of request: FakeRequest) -> String { "\(request.method) \(request.path)" }

    func errorResponse(status: Int, retryDelay: String?) -> FakeResponse {
        switch status {
        case 429: Self.error(429, "Rate limit reached for requests", type: "requests", code: "rate_limit_exceeded")
        default: Self.error(status, "The server had an error while processing your request. Sorry about that!", type: "server_error")
        }
    }

    static func error(_ status: Int, _ message: String, type: String = "invalid_request_error", param: String? = nil, code: String? = nil) -> FakeResponse {
        .json(status, ["error": ["message": message, "type": type, "param": param.map { $0 as Any } ?? NSNull(), "code": code.map { $0 as Any } ?? NSNull()]])
    }

    func handle(_ request: FakeRequest) -> FakeResponse {
        guard let token = request.bearerToken else {
            return Self.error(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
        }
        guard token == key else {
            let masked = token.count > 8 ? token.prefix(3) + "*****" + token.suffix(4) : "*****"
            return Self.error(401, "Incorrect API key provided: \(masked). You can find your API key at https://platform.openai.com/account/api-keys.", code: "invalid_api_key")
        }
        switch (request.method, request.path) {
        case ("POST", "/v1/audio/speech"): return speech(request)
        case ("POST", "/v1/audio/transcriptions"): return transcription(request)
        default: return Self.error(404, "Invalid URL (\(request.method) \(request.path))")
        }
    }

    private func speech(_ request: FakeRequest) -> FakeResponse {
        guard let body = request.json else { return Self.error(400, "We could not parse the JSON body of your request.") }
        guard let model = body["model"] as? String else { return Self.error(400, "you must provide a model parameter", param: "model") }
        guard Self.speechModels.contains(model) else {
            return Self.error(404, "The model `\(model)` does not exist or you do not have access to it.", code: "model_not_found")
        }
        guard let input = body["input"] as? String, !input.isEmpty else { return Self.error(400, "Missing required parameter: 'input'.", param: "input") }
        guard input.count <= 4096 else {
            return Self.error(400, "[{'type': 'string_too_long', 'loc': ('body', 'input'), 'msg': 'String should have at most 4096 characters'}]", param: "input")
        }
        guard let voice = body["voice"] as? String, Self.voices.contains(voice) else {
            return Self.error(400, "Input should be 'alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'onyx', 'nova', 'sage', 'shimmer', 'verse', 'marin' or 'cedar'", param: "voice")
        }
        let speed = body["speed"] as? Double ?? 1
        guard (0.25...4).contains(speed) else { return Self.error(400, "Input should be between 0.25 and 4.0", param: "speed") }
        guard let format = FakeAudioEncoding.Format(rawValue: body["response_format"] as? String ?? "mp3") else {
            return Self.error(400, "Input should be 'mp3', 'opus', 'aac', 'flac', 'wav' or 'pcm'", param: "response_format")
        }
        let samples = FakeSpeech.samples(for: input, sampleRate: Self.sampleRate, speed: speed)
        do {
            return .bytes(try FakeAudioEncoding.encode(samples, sampleRate: Self.sampleRate, as: format), contentType: FakeAudioEncoding.contentType(format))
        } catch {
            return Self.error(500, "fake cannot encode \(format.rawValue) yet", type: "server_error")
        }
    }

    private func transcription(_ request: FakeRequest) -> FakeResponse {
        guard let parts = MultipartParser.parse(request.body, contentType: request.header("content-type") ?? "") else {
            return Self.error(400, "Could not parse multipart form")
        }
        func field(_ name: String) -> String? { parts.first { $0.name == name }.map { String(decoding: $0.data, as: UTF8.self) } }
        guard let file = parts.first(where: { $0.name == "file" }), !file.data.isEmpty else {
            return Self.error(400, "Missing required parameter: 'file'.", param: "file")
        }
        guard let model = field("model") else { return Self.error(400, "you must provide a model parameter", param: "model") }
        guard Self.transcriptionModels.contains(model) else {
            return Self.error(404, "The model `\(model)` does not exist or you do not have access to it.", code: "model_not_found")
        }
        let format = field("response_format") ?? "json"
        let transcript = FakeTranscript(audio: file.data)
        switch format {
        case "json": return .json(200, ["text": transcript.text])
        case "text": return .text(200, transcript.text + "\n")
        case "verbose_json":
            let granularities = parts.filter { $0.name == "timestamp_granularities[]" }.map { String(decoding: $0.data, as: UTF8.self) }
            return .json(200, verbose(transcript, language: field("language"), words: granularities.contains("word")))
        default:
            return Self.error(400, "response_format \(format) is not supported by the fake (json, text, verbose_json)", param: "response_format")
        }
    }

    private func verbose(_ transcript: FakeTranscript, language: String?, words: Bool) -> [String: Any] {
        var json: [String: Any] = [
            "task": "transcribe", "language": language == nil || language == "en" ? "english" : language!,
            "duration": (transcript.duration * 100).rounded() / 100, "text": transcript.text,
            "segments": transcript.sentences.enumerated().map { index, sentence -> [String: Any] in
                let text = sentence.map(\.text).joined(separator: " ")
                return ["id": index, "seek": 0, "start": sentence.first?.start ?? 0, "end": sentence.last?.end ?? 0,
                        "text": " " + text.prefix(1).uppercased() + text.dropFirst() + ".", "tokens": [Int](),
                        "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.2, "no_speech_prob": 0.01]
            },
        ]
        if words { json["words"] = transcript.words.map { ["word": $0.text, "start": $0.start, "end": $0.end] } }
        return json
    }
}
