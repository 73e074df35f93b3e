import Foundation

/// Fake of Google Cloud Text-to-Speech v1 `text:synthesize` and `voices`: key or bearer auth,
/// the 5,000-byte input limit with the real message, parameter ranges, and audio in the asked
/// encoding (LINEAR16 as a WAV file, PCM headerless, MP3/OGG_OPUS encoded).
package final class FakeGoogleTTS: FakeAPI, Sendable {
    static let voicePattern = #"^[a-z]{2,3}-[A-Z]{2}-(Standard|Wavenet|Neural2|News|Studio|Polyglot|Journey|Chirp-HD|Chirp3-HD)-[A-Za-z]+$"#
    static let limitMessage = "Either `input.text` or `input.ssml` is longer than the limit of 5000 bytes. This limit is different from quotas. To fix, reduce the byte length of the characters in this request, or consider using the Long Audio API: https://cloud.google.com/text-to-speech/docs/create-audio-text-long-audio."

    let service = FakeService.googleTTS
    let key: String

    init(key: String) { self.key = key }

    func handles(_ request: FakeRequest) -> Bool {
        request.path == "/v1/text:synthesize" || request.path == "/v1/voices"
    }

    func route(of request: FakeRequest) -> String { "\(request.method) \(request.path)" }

    func errorResponse(status: Int, retryDelay: String?) -> FakeResponse {
        let names = [429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 502: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"]
        return FakeGemini.rpcError(status, names[status] ?? "UNKNOWN", status == 429 ? "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service 'texttospeech.googleapis.com'." : "Internal error encountered.")
    }

    func handle(_ request: FakeRequest) -> FakeResponse {
        let presented = request.header("x-goog-api-key") ?? request.query["key"] ?? request.bearerToken
        guard presented == key else {
            return presented == nil
                ? FakeGemini.rpcError(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.")
                : FakeGemini.rpcError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                                      details: [["@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"]])
        }
        if request.path == "/v1/voices" {
            return .json(200, ["voices": [
                ["languageCodes": ["en-US"], "name": "en-US-Neural2-F", "ssmlGender": "FEMALE", "naturalSampleRateHertz": 24000],
                ["languageCodes": ["en-US"], "name": "en-US-Standard-B", "ssmlGender": "MALE", "naturalSampleRateHertz": 24000],
            ]])
        }
        guard request.method == "POST", let body = request.json else { return invalid("Invalid JSON payload received.") }
        guard let input = body["input"] as? [String: Any] else { return invalid("Input is required.") }
        guard let voice = body["voice"] as? [String: Any], let language = FakeGemini.field(voice, "languageCode") as? String, !language.isEmpty else {
            return invalid("Voice language code is required.")
        }
        guard let audio = FakeGemini.field(body, "audioConfig") as? [String: Any],
            let encoding = FakeGemini.field(audio, "audioEncoding") as? String
        else { return invalid("AudioConfig.audio_encoding is required.") }
        let text = input["text"] as? String ?? (input["ssml"] as? String).map(Self.stripTags) ?? ""
        let raw = input["text"] as? String ?? input["ssml"] as? String ?? ""
        guard !raw.isEmpty else { return invalid("Either `input.text` or `input.ssml` must be set.") }
        guard raw.utf8.count <= 5000 else { return invalid(Self.limitMessage) }
        let rate = (FakeGemini.field(audio, "speakingRate") as? Double) ?? 1
        guard rate == 0 || (0.25...2).contains(rate) else { return invalid("speaking_rate must be in the range [0.25, 2.0].") }
        if let name = voice["name"] as? String, name.range(of: Self.voicePattern, options: .regularExpression) == nil {
            return invalid("Voice '\(name)' does not exist. Is it misspelled?")
        }
        let sampleRate = (FakeGemini.field(audio, "sampleRateHertz") as? Int).flatMap { $0 > 0 ? $0 : nil } ?? 24000
        let samples = FakeSpeech.samples(for: text, sampleRate: sampleRate, speed: rate == 0 ? 1 : rate)
        let format: FakeAudioEncoding.Format
        switch encoding {
        case "LINEAR16": format = .wav
        case "PCM": format = .pcm
        case "MP3": format = .mp3
        case "OGG_OPUS": format = .opus
        default: return invalid("Unsupported audio encoding \(encoding).")
        }
        do {
            let bytes = try FakeAudioEncoding.encode(samples, sampleRate: sampleRate, as: format)
            // Base64 needs no JSON escaping: write the body directly rather than through
            // JSONSerialization, which scans a multi-megabyte string character by character.
            var body = Data(#"{"audioContent":""#.utf8)
            body.append(bytes.base64EncodedData())
            body.append(contentsOf: Array(#""}"#.utf8))
            return FakeResponse(status: 200, headers: [("Content-Type", "application/json")], body: body)
        } catch {
            return FakeGemini.rpcError(500, "INTERNAL", "fake cannot encode \(encoding) yet")
        }
    }

    private func invalid(_ message: String) -> FakeResponse { FakeGemini.rpcError(400, "INVALID_ARGUMENT", message) }

    static func stripTags(_ ssml: String) -> String {
        ssml.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
    }
}
